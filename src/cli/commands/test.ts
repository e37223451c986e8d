import { DEFAULT_SUITES, loadConfig } from '../../config/config.js';
import { jsonReporter } from '../../report/json-reporter.js';
import { junitReporter } from '../../report/junit-reporter.js';
import { githubReporter } from '../../report/github-reporter.js';
import type { Reporter } from '../../report/reporter.js';
import type { RunResult } from '../../result/model.js';
import { terminalReporter } from '../../report/terminal-reporter.js';
import { runTests, writeReports } from '../../run/test-run.js';
import { EXIT, InputError } from '../../util/errors.js';
import { listFlag, type Command, type FlagSpec } from '../command.js';
import { EVALUATION_FLAGS, evaluationSettings } from '../evaluation-flags.js';

const REPORTERS: Record<string, () => Reporter> = {
  terminal: () => terminalReporter(),
  junit: () => junitReporter(),
  json: () => jsonReporter(),
  github: () => githubReporter(),
};

/** The suite files a command reads. */
export const SUITE_FLAG: FlagSpec = {
  name: 'suite',
  type: 'string',
  multiple: true,
  value: 'GLOB',
  description: `Suite files (repeatable). Default: \`suites\` in nixcheck.yaml, else ${DEFAULT_SUITES.join(', ')}.`,
};

export const testCommand: Command = {
  name: 'test',
  summary: 'evaluate hosts and check the assertions of the suites',
  usage: 'nixcheck test [--flake DIR|REF] [--suite GLOB]... [--host NAME]... [flags]',
  flags: [
    ...EVALUATION_FLAGS,
    SUITE_FLAG,
    { name: 'reporter', short: 'r', type: 'string', multiple: true, value: 'NAME', description: 'terminal, junit, json, github (annotations and step summary) (repeatable). Default: terminal, junit, json.' },
  ],
  async run(values) {
    const config = await loadConfig(values.config as string | undefined);
    const cwd = process.cwd();
    const flagSuites = listFlag(values.suite);
    const reporterNames = listFlag(values.reporter) ?? config.reporters ?? ['terminal', 'junit', 'json'];
    const unknown = reporterNames.filter((r) => !(r in REPORTERS));
    if (unknown.length) throw new InputError(`unknown reporter ${unknown.join(', ')}; known: ${Object.keys(REPORTERS).join(', ')}`);
    const reporters = reporterNames.map((r) => REPORTERS[r]!());
    const settings = evaluationSettings(values, config, cwd);
    const outDir = settings.outDir;
    const result = await runTests({
      ...settings,
      // Flags are relative to where the user stands; config entries are already absolute.
      baseDir: cwd,
      suites: flagSuites ?? config.suites,
      outDir,
      reporters,
      ...(config.upstream ? { upstream: config.upstream } : {}),
    });
    const { failures } = await writeReports(result, reporters, outDir);
    for (const f of failures) process.stderr.write(`nixcheck: ${f}\n`);
    if (failures.length > 0) return EXIT.infrastructure;
    return exitCodeFor(result);
  },
};



/**
 * 3 when Nix could not answer for a whole target (it does not load); 1 for findings,
 * including options whose evaluation fails or runs out of time: the others still got
 * their verdicts.
 */
export function exitCodeFor(result: RunResult): number {
  if (result.cases.some((c) => c.errorReason === 'target')) return EXIT.infrastructure;
  return result.summary.fail > 0 || result.summary.error > 0 ? EXIT.failures : EXIT.ok;
}
