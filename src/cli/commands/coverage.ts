import { resolve } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { coverageGate, docCoverageGate, formatCoverageTable, writeCoverageReports } from '../../coverage/index.js';
import { runCoverage } from '../../coverage/run-coverage.js';
import { VERSION } from '../../run/test-run.js';
import { EXIT } from '../../util/errors.js';
import { listFlag, pathsFlag, type Command } from '../command.js';
import { EVALUATION_FLAGS, evaluationSettings, positiveNumber } from '../evaluation-flags.js';
import { SUITE_FLAG } from './test.js';

export const coverageCommand: Command = {
  name: 'coverage',
  summary: "which options your own modules declare are read by a suite or a control",
  usage: 'nixcheck coverage [--flake REF] [--suite GLOB]... [--include GLOB]... [--min-coverage PCT] [--min-doc-coverage PCT] [flags]',
  flags: [
    ...EVALUATION_FLAGS,
    SUITE_FLAG,
    { name: 'include', type: 'string', multiple: true, value: 'GLOB', description: 'Option paths that count (`kernelcore.**`). Default: every option your files declare.' },
    { name: 'exclude', type: 'string', multiple: true, value: 'GLOB', description: 'Option paths that do not count.' },
    { name: 'no-controls', type: 'boolean', description: 'Count suites only, not the compliance controls.' },
    { name: 'controls', type: 'string', multiple: true, value: 'DIR', description: 'Extra directories of your own controls, whose reads count too (repeatable).' },
    { name: 'min-coverage', type: 'string', value: 'PCT', description: 'Exit 1 when overall option coverage is below PCT.' },
    { name: 'min-doc-coverage', type: 'string', value: 'PCT', description: 'Exit 1 when fewer than PCT percent of the counted options have a description.' },
  ],
  async run(values) {
    const config = await loadConfig(values.config as string | undefined);
    const cwd = process.cwd();
    const { outDir, ...settings } = evaluationSettings(values, config, cwd);
    const min = positiveNumber(values['min-coverage'], '--min-coverage');
    const minDocs = positiveNumber(values['min-doc-coverage'], '--min-doc-coverage');
    const report = await runCoverage({
      ...settings,
      baseDir: cwd,
      suites: pathsFlag(values.suite) ?? config.suites,
      controls: !values['no-controls'],
      controlDirs: (pathsFlag(values.controls) ?? []).map((d) => resolve(cwd, d)),
      ...(listFlag(values.include) ? { include: listFlag(values.include)! } : {}),
      ...(listFlag(values.exclude) ? { exclude: listFlag(values.exclude)! } : {}),
      ...(config.upstream ? { upstream: config.upstream } : {}),
    });
    process.stdout.write(formatCoverageTable(report));
    await writeCoverageReports(report, outDir, { version: VERSION });
    const gates = [...(min !== undefined ? [coverageGate(report, min)] : []), ...(minDocs !== undefined ? [docCoverageGate(report, minDocs)] : [])];
    for (const gate of gates) process.stdout.write(`${gate.message}\n`);
    return gates.every((g) => g.pass) ? EXIT.ok : EXIT.failures;
  },
};
