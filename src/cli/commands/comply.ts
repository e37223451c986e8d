import { join, resolve } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { COMPLIANCE_FORMATS, writeComplianceReports, type ComplianceFormat } from '../../compliance/report/index.js';
import { formatComplianceTerminal } from '../../compliance/report/compliance-terminal.js';
import { githubComplianceAnnotations } from '../../report/github-reporter.js';
import { runComply } from '../../compliance/run-comply.js';
import { SEVERITIES, type Severity } from '../../compliance/types.js';
import { isValidDay } from '../../compliance/waivers.js';
import { secondsFlag } from '../../util/duration.js';
import { EXIT, InputError } from '../../util/errors.js';
import { listFlag, pathsFlag, type Command } from '../command.js';
import { EVALUATION_FLAGS, evaluationSettings, positiveNumber } from '../evaluation-flags.js';
import { parseLiveTarget } from '../../live/target.js';

/** Seconds a runtime command may run on a live target. */
const DEFAULT_COMMAND_TIMEOUT_S = 60;
import { SHARD_FLAGS, shardRequest } from '../shard-flags.js';

export const complyCommand: Command = {
  name: 'comply',
  summary: 'score CIS, DISA STIG and NIST 800-53 controls against what each host evaluates to',
  usage: 'nixcheck comply [--flake REF] [--profile P] [--host H]... [--waivers FILE]... [--baseline FILE] [flags]',
  flags: [
    ...EVALUATION_FLAGS,
    { name: 'profile', short: 'p', type: 'string', value: 'ID', description: 'cis-l1-server, cis-l2-server, cis-l1-workstation, cis-l2-workstation, stig-nixos, nist-800-53, or your own. Default: every control.' },
    { name: 'waivers', type: 'string', multiple: true, value: 'FILE', description: 'Waiver files (YAML, repeatable): control, hosts glob, justification, expires.' },
    { name: 'baseline', type: 'string', value: 'FILE', description: 'An earlier compliance.json to compare with: newly failing, newly passing, score delta.' },
    { name: 'history', type: 'string', value: 'DIR', description: 'Earlier compliance.json files (every compliance*.json below DIR): the HTML report charts the score over time, the Markdown report gets a trend table.' },
    { name: 'controls', type: 'string', multiple: true, value: 'DIR', description: 'Extra directories of your own controls (repeatable).' },
    { name: 'profiles', type: 'string', multiple: true, value: 'DIR', description: 'Extra directories of your own profiles (repeatable).' },
    { name: 'fail-under', type: 'string', value: 'SCORE', description: 'Exit 1 when any host scores below SCORE (weighted, percent).' },
    { name: 'fail-on', type: 'string', value: 'SEVERITY', description: 'Exit 1 when a control of this severity or worse fails (low, medium, high, critical).' },
    { name: 'format', type: 'string', multiple: true, value: 'F', description: `Report formats: ${Object.keys(COMPLIANCE_FORMATS).join(', ')}. Default: all.` },
    { name: 'today', type: 'string', value: 'YYYY-MM-DD', description: 'The date waivers expire against. Default: today.' },
    { name: 'runtime', type: 'boolean', description: 'Also run the runtime checks inside one NixOS VM per host (needs KVM and nixpkgs); their results merge into the verdicts.' },
    {
      name: 'target',
      type: 'string',
      multiple: true,
      value: 'TARGET',
      description:
        'Run the runtime checks on a live system: ssh://[user@]host[:port] (through your ssh client and its config) or local. HOST=TARGET compares it with flake host HOST (drift); so does a single --host. Repeatable.',
    },
    { name: 'ssh-config', type: 'string', value: 'FILE', description: 'ssh client configuration for --target ssh:// (ssh -F FILE). Default: ssh\'s own (~/.ssh/config).' },
    { name: 'command-timeout', type: 'string', value: 'SECONDS', description: `Per runtime command on a live target. Default: ${DEFAULT_COMMAND_TIMEOUT_S}.` },
    ...SHARD_FLAGS,
  ],
  async run(values) {
    const config = await loadConfig(values.config as string | undefined);
    const cwd = process.cwd();
    const { outDir, ...settings } = evaluationSettings(values, config, cwd);
    const failOn = values['fail-on'] as string | undefined;
    if (values.today !== undefined && !isValidDay(values.today as string)) throw new InputError(`--today expects a date as YYYY-MM-DD, got ${JSON.stringify(values.today)}`);
    if (failOn !== undefined && !SEVERITIES.includes(failOn as Severity)) throw new InputError(`--fail-on expects one of ${SEVERITIES.join(', ')}`);
    const formats = (listFlag(values.format) ?? Object.keys(COMPLIANCE_FORMATS)) as ComplianceFormat[];
    const unknown = formats.filter((f) => !(f in COMPLIANCE_FORMATS));
    if (unknown.length) throw new InputError(`unknown format ${unknown.join(', ')}; known: ${Object.keys(COMPLIANCE_FORMATS).join(', ')}`);
    const paths = (v: unknown) => (pathsFlag(v) ?? []).map((p) => resolve(cwd, p));
    const targets = ((values.target as string[] | undefined) ?? []).map(parseLiveTarget);
    if (targets.length && values.runtime) throw new InputError('--runtime (VMs) and --target (live systems) exclude each other');
    const commandTimeoutS = secondsFlag(values['command-timeout'], '--command-timeout') ?? DEFAULT_COMMAND_TIMEOUT_S;
    const shard = await shardRequest(values, 'comply', settings.cacheDir, cwd);
    const result = await runComply({
      ...settings,
      baseDir: cwd,
      ...(values.profile ? { profile: values.profile as string } : {}),
      controlDirs: paths(values.controls),
      profileDirs: paths(values.profiles),
      waiverFiles: paths(values.waivers),
      ...(values.baseline ? { baselineFile: resolve(cwd, values.baseline as string) } : {}),
      ...(values.history ? { historyDir: resolve(cwd, values.history as string) } : {}),
      ...(values['fail-under'] !== undefined ? { failUnder: positiveNumber(values['fail-under'], '--fail-under')! } : {}),
      ...(failOn ? { failOn: failOn as Severity } : {}),
      ...(values.today ? { today: values.today as string } : {}),
      ...(config.upstream ? { upstream: config.upstream } : {}),
      ...(shard ? { shard } : {}),
      ...(values.runtime ? { runtime: { outDir: join(outDir, 'vm') } } : {}),
      ...(targets.length
        ? { live: { targets, commandTimeoutS, ...(values['ssh-config'] ? { sshConfig: resolve(cwd, values['ssh-config'] as string) } : {}) } }
        : {}),
    });
    const { failures } = await writeComplianceReports(result, outDir, formats);
    process.stdout.write(formatComplianceTerminal(result));
    if (process.env.GITHUB_ACTIONS === 'true') await githubComplianceAnnotations(result, outDir);
    const unreachable = result.hosts.filter((h) => h.live?.error).map((h) => `${h.live!.target}: ${h.live!.error}`);
    for (const f of [...failures, ...unreachable]) process.stderr.write(`nixcheck: ${f}\n`);
    if (failures.length || unreachable.length) return EXIT.infrastructure;
    return result.gate.failed ? EXIT.failures : EXIT.ok;
  },
};
