import { resolve } from 'node:path';
import { DEFAULT_SUITES, DEFAULT_TIMEOUT_S, defaultJobs, loadConfig } from '../../config/config.js';
import { coverageGate, formatCoverageTable, writeCoverageReports } from '../../coverage/index.js';
import { runCoverage } from '../../coverage/run-coverage.js';
import { VERSION } from '../../run/test-run.js';
import { EXIT } from '../../util/errors.js';
import { listFlag, type Command } from '../command.js';
import { positiveNumber, wholeNumber } from './test.js';

export const coverageCommand: Command = {
  name: 'coverage',
  summary: "which options your own modules declare are read by a suite or a control",
  usage: 'nixcheck coverage [--flake REF] [--suite GLOB]... [--include GLOB]... [--min-coverage PCT] [flags]',
  flags: [
    { name: 'flake', type: 'string', value: 'REF', description: 'Flake whose modules are measured. Default: `flake` in nixcheck.yaml.' },
    { name: 'suite', type: 'string', multiple: true, value: 'GLOB', description: `Suite files. Default: \`suites\` in nixcheck.yaml, else ${DEFAULT_SUITES.join(', ')}.` },
    { name: 'host', type: 'string', multiple: true, value: 'NAME', description: 'Only these targets.' },
    { name: 'include', type: 'string', multiple: true, value: 'GLOB', description: 'Option paths that count (`kernelcore.**`). Default: every option your files declare.' },
    { name: 'exclude', type: 'string', multiple: true, value: 'GLOB', description: 'Option paths that do not count.' },
    { name: 'no-controls', type: 'boolean', description: 'Count suites only, not the compliance controls.' },
    { name: 'controls', type: 'string', multiple: true, value: 'DIR', description: 'Extra directories of your own controls, whose reads count too.' },
    { name: 'min-coverage', type: 'string', value: 'PCT', description: 'Exit 1 when overall option coverage is below PCT.' },
    { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'Report directory (lcov.info, coverage.cobertura.xml, coverage.json). Default: reports/.' },
    { name: 'hosts-attr', type: 'string', value: 'ATTR', description: 'Attribute set holding the hosts. Default: nixosConfigurations.' },
    { name: 'jobs', short: 'j', type: 'string', value: 'N', description: 'Targets walked in parallel.' },
    { name: 'timeout', type: 'string', value: 'SECONDS', description: `Per Nix evaluation. Default: ${DEFAULT_TIMEOUT_S}.` },
    { name: 'config', short: 'c', type: 'string', value: 'FILE', description: 'Configuration file. Default: ./nixcheck.yaml when present.' },
  ],
  async run(values) {
    const config = await loadConfig(values.config as string | undefined);
    const cwd = process.cwd();
    const flagSuites = listFlag(values.suite);
    const flake = (values.flake as string | undefined) ?? config.flake;
    const report = await runCoverage({
      ...(flake ? { flake } : {}),
      baseDir: cwd,
      suites: flagSuites ?? config.suites,
      hostsAttr: (values['hosts-attr'] as string | undefined) ?? config.hostsAttr ?? 'nixosConfigurations',
      ...(listFlag(values.host) ? { hosts: listFlag(values.host)! } : {}),
      controls: !values['no-controls'],
      controlDirs: (listFlag(values.controls) ?? []).map((d) => resolve(cwd, d)),
      ...(listFlag(values.include) ? { include: listFlag(values.include)! } : {}),
      ...(listFlag(values.exclude) ? { exclude: listFlag(values.exclude)! } : {}),
      ...(config.upstream ? { upstream: config.upstream } : {}),
      jobs: wholeNumber(values.jobs, '--jobs') ?? config.jobs ?? defaultJobs(),
      timeoutMs: (positiveNumber(values.timeout, '--timeout') ?? config.timeout ?? DEFAULT_TIMEOUT_S) * 1000,
    });
    const outDir = values.out ? resolve(cwd, values.out as string) : config.out;
    await writeCoverageReports(report, outDir, { version: VERSION });
    process.stdout.write(formatCoverageTable(report));
    const min = positiveNumber(values['min-coverage'], '--min-coverage');
    if (min === undefined) return EXIT.ok;
    const gate = coverageGate(report, min);
    process.stdout.write(`${gate.message}\n`);
    return gate.pass ? EXIT.ok : EXIT.failures;
  },
};
