import { join, resolve } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { COMPLIANCE_FORMATS, writeComplianceReports, type ComplianceFormat } from '../../compliance/report/index.js';
import { formatComplianceTerminal } from '../../compliance/report/compliance-terminal.js';
import { githubComplianceAnnotations } from '../../report/github-reporter.js';
import { runComply } from '../../compliance/run-comply.js';
import { SEVERITIES, type Severity } from '../../compliance/types.js';
import { isValidDay } from '../../compliance/waivers.js';
import { EXIT, InputError } from '../../util/errors.js';
import { listFlag, type Command } from '../command.js';
import { EVALUATION_FLAGS, evaluationSettings, positiveNumber } from '../evaluation-flags.js';

export const complyCommand: Command = {
  name: 'comply',
  summary: 'score CIS, DISA STIG and NIST 800-53 controls against what each host evaluates to',
  usage: 'nixcheck comply [--flake REF] [--profile P] [--host H]... [--waivers FILE]... [--baseline FILE] [flags]',
  flags: [
    ...EVALUATION_FLAGS,
    { name: 'profile', short: 'p', type: 'string', value: 'ID', description: 'cis-l1-server, cis-l2-server, cis-l1-workstation, cis-l2-workstation, stig-nixos, nist-800-53, or your own. Default: every control.' },
    { name: 'waivers', type: 'string', multiple: true, value: 'FILE', description: 'Waiver file(s) (YAML): control, hosts glob, justification, expires.' },
    { name: 'baseline', type: 'string', value: 'FILE', description: 'An earlier compliance.json to compare with: newly failing, newly passing, score delta.' },
    { name: 'controls', type: 'string', multiple: true, value: 'DIR', description: 'Extra directories of your own controls.' },
    { name: 'profiles', type: 'string', multiple: true, value: 'DIR', description: 'Extra directories of your own profiles.' },
    { name: 'fail-under', type: 'string', value: 'SCORE', description: 'Exit 1 when any host scores below SCORE (weighted, percent).' },
    { name: 'fail-on', type: 'string', value: 'SEVERITY', description: 'Exit 1 when a control of this severity or worse fails (low, medium, high, critical).' },
    { name: 'format', type: 'string', multiple: true, value: 'F', description: `Report formats: ${Object.keys(COMPLIANCE_FORMATS).join(', ')}. Default: all.` },
    { name: 'today', type: 'string', value: 'YYYY-MM-DD', description: 'The date waivers expire against. Default: today.' },
    { name: 'runtime', type: 'boolean', description: 'Also run the runtime checks inside one NixOS VM per host (needs KVM and nixpkgs); their results merge into the verdicts.' },
  ],
  async run(values) {
    const config = await loadConfig(values.config as string | undefined);
    const cwd = process.cwd();
    const { flake, outDir, ...settings } = evaluationSettings(values, config, cwd);
    if (!flake) throw new InputError('no flake: pass --flake or set `flake:` in nixcheck.yaml');
    const failOn = values['fail-on'] as string | undefined;
    if (values.today !== undefined && !isValidDay(values.today as string)) throw new InputError(`--today expects a date as YYYY-MM-DD, got ${JSON.stringify(values.today)}`);
    if (failOn !== undefined && !SEVERITIES.includes(failOn as Severity)) throw new InputError(`--fail-on expects one of ${SEVERITIES.join(', ')}`);
    const formats = (listFlag(values.format) ?? Object.keys(COMPLIANCE_FORMATS)) as ComplianceFormat[];
    const unknown = formats.filter((f) => !(f in COMPLIANCE_FORMATS));
    if (unknown.length) throw new InputError(`unknown format ${unknown.join(', ')}; known: ${Object.keys(COMPLIANCE_FORMATS).join(', ')}`);
    const paths = (v: unknown) => (listFlag(v) ?? []).map((p) => resolve(cwd, p));
    const result = await runComply({
      ...settings,
      flake,
      baseDir: cwd,
      ...(values.profile ? { profile: values.profile as string } : {}),
      controlDirs: paths(values.controls),
      profileDirs: paths(values.profiles),
      waiverFiles: paths(values.waivers),
      ...(values.baseline ? { baselineFile: resolve(cwd, values.baseline as string) } : {}),
      ...(values['fail-under'] !== undefined ? { failUnder: positiveNumber(values['fail-under'], '--fail-under')! } : {}),
      ...(failOn ? { failOn: failOn as Severity } : {}),
      ...(values.today ? { today: values.today as string } : {}),
      ...(config.upstream ? { upstream: config.upstream } : {}),
      ...(values.runtime ? { runtime: { outDir: join(outDir, 'vm') } } : {}),
    });
    const { failures } = await writeComplianceReports(result, outDir, formats);
    process.stdout.write(formatComplianceTerminal(result));
    if (process.env.GITHUB_ACTIONS === 'true') await githubComplianceAnnotations(result);
    for (const f of failures) process.stderr.write(`nixcheck: ${f}\n`);
    if (failures.length) return EXIT.infrastructure;
    return result.gate.failed ? EXIT.failures : EXIT.ok;
  },
};
