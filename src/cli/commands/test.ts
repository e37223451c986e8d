import { DEFAULT_SUITES, loadConfig } from '../../config/config.js';
import { jsonReporter } from '../../report/json-reporter.js';
import { junitReporter } from '../../report/junit-reporter.js';
import { githubReporter } from '../../report/github-reporter.js';
import { openmetricsReporter } from '../../report/openmetrics-reporter.js';
import type { Reporter } from '../../report/reporter.js';
import type { RunResult } from '../../result/model.js';
import { formatSummaryLine, terminalReporter } from '../../report/terminal-reporter.js';
import { runTests, writeReports } from '../../run/test-run.js';
import { missingTarget } from '../../target/resolve-target.js';
import { EXIT, InputError, formatLocation } from '../../util/errors.js';
import { listFlag, pathsFlag, type Command, type FlagSpec } from '../command.js';
import { EVALUATION_FLAGS, evaluationSettings } from '../evaluation-flags.js';
import { SHARD_FLAGS, shardRequest } from '../shard-flags.js';

const REPORTERS: Record<string, () => Reporter> = {
  terminal: () => terminalReporter(),
  junit: () => junitReporter(),
  json: () => jsonReporter(),
  github: () => githubReporter(),
  openmetrics: () => openmetricsReporter(),
};

/** The suite files a command reads. */
export const SUITE_FLAG: FlagSpec = {
  name: 'suite',
  type: 'string',
  multiple: true,
  value: 'GLOB',
  description: `Suite files (repeatable; a comma is part of the name). Default: \`suites\` in nixcheck.yaml, else ${DEFAULT_SUITES.join(', ')}.`,
};

export const testCommand: Command = {
  name: 'test',
  summary: 'evaluate hosts and check the assertions of the suites',
  usage: 'nixcheck test [--flake DIR|REF] [--suite GLOB]... [--host NAME]... [flags]',
  flags: [
    ...EVALUATION_FLAGS,
    SUITE_FLAG,
    { name: 'reporter', short: 'r', type: 'string', multiple: true, value: 'NAME', description: 'terminal, junit, json, github (annotations and step summary), openmetrics (results.prom for node_exporter) (repeatable). Default: terminal, junit, json.' },
    ...SHARD_FLAGS,
    { name: 'quiet', short: 'q', type: 'boolean', description: 'Print nothing on standard output, not even the summary line (errors still go to standard error).' },
  ],
  async run(values) {
    const config = await loadConfig(values.config as string | undefined);
    const cwd = process.cwd();
    const flagSuites = pathsFlag(values.suite);
    const reporterNames = listFlag(values.reporter) ?? config.reporters ?? ['terminal', 'junit', 'json'];
    const quiet = Boolean(values.quiet);
    // --quiet silences the terminal; without it the summary line is printed whatever the reporters.
    const reporters = reportersFor(reporterNames.filter((r) => !(quiet && r === 'terminal')));
    const settings = evaluationSettings(values, config, cwd);
    const outDir = settings.outDir;
    const shard = await shardRequest(values, 'test', settings.cacheDir, cwd);
    const result = await runTests({
      ...settings,
      // Flags are relative to where the user stands; config entries are already absolute.
      baseDir: cwd,
      suites: flagSuites ?? config.suites,
      outDir,
      reporters,
      ...(config.upstream ? { upstream: config.upstream } : {}),
      ...(shard ? { shard } : {}),
    });
    const { failures } = await writeReports(result, reporters, outDir);
    for (const f of failures) process.stderr.write(`nixcheck: ${f}\n`);
    if (!quiet && !reporterNames.includes('terminal')) process.stdout.write(`${formatSummaryLine(result)}\n`);
    if (failures.length > 0) return EXIT.infrastructure;
    for (const line of missingTargetLines(result)) process.stderr.write(`nixcheck: ${line}\n`);
    return exitCodeFor(result);
  },
};

/** Each target a suite names that does not exist, once, at the first case naming it. */
function missingTargetLines(result: RunResult): string[] {
  const seen = new Map<string, string>();
  for (const c of result.cases) {
    const missing = c.errorReason === 'target' ? missingTarget(c.error) : undefined;
    if (missing && !seen.has(c.target.label)) seen.set(c.target.label, `${formatLocation(c.location)}: ${missing}`);
  }
  return [...seen.values()];
}

/** Reporters by name; an unknown name is a usage error. */
export function reportersFor(names: readonly string[]): Reporter[] {
  const unknown = names.filter((r) => !(r in REPORTERS));
  if (unknown.length) throw new InputError(`unknown reporter ${unknown.join(', ')}; known: ${Object.keys(REPORTERS).join(', ')}`);
  return names.map((r) => REPORTERS[r]!());
}

/**
 * 2 when a suite names a target that does not exist (a usage error, though every other
 * case still got its verdict); 3 when Nix could not answer for a whole target (it does
 * not load); 1 for findings, including options whose evaluation fails or runs out of
 * time: the others still got their verdicts.
 */
export function exitCodeFor(result: RunResult): number {
  if (result.cases.some((c) => c.errorReason === 'target' && missingTarget(c.error))) return EXIT.usage;
  if (result.cases.some((c) => c.errorReason === 'target')) return EXIT.infrastructure;
  return result.summary.fail > 0 || result.summary.error > 0 ? EXIT.failures : EXIT.ok;
}
