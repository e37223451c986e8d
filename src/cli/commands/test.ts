import { resolve } from 'node:path';
import { DEFAULT_SUITES, DEFAULT_TIMEOUT_S, defaultJobs, loadConfig } from '../../config/config.js';
import { defaultCacheDir } from '../../nix/eval-cache.js';
import { jsonReporter } from '../../report/json-reporter.js';
import { junitReporter } from '../../report/junit-reporter.js';
import { githubReporter } from '../../report/github-reporter.js';
import type { Reporter } from '../../report/reporter.js';
import type { RunResult } from '../../result/model.js';
import { terminalReporter } from '../../report/terminal-reporter.js';
import { runTests, writeReports } from '../../run/test-run.js';
import { EXIT, InputError } from '../../util/errors.js';
import { listFlag, type Command } from '../command.js';

const REPORTERS: Record<string, () => Reporter> = {
  terminal: () => terminalReporter(),
  junit: () => junitReporter(),
  json: () => jsonReporter(),
  github: () => githubReporter(),
};

export const testCommand: Command = {
  name: 'test',
  summary: 'evaluate hosts and check the assertions of the suites',
  usage: 'nixcheck test [--flake DIR|REF] [--suite GLOB]... [--host NAME]... [flags]',
  flags: [
    { name: 'flake', type: 'string', value: 'REF', description: 'Flake to test (a directory or flake reference). Default: `flake` in nixcheck.yaml.' },
    { name: 'suite', type: 'string', multiple: true, value: 'GLOB', description: `Suite files (repeatable). Default: \`suites\` in nixcheck.yaml, else ${DEFAULT_SUITES.join(', ')}.` },
    { name: 'host', type: 'string', multiple: true, value: 'NAME', description: 'Only these targets (repeatable or comma-separated).' },
    { name: 'hosts-attr', type: 'string', value: 'ATTR', description: 'Attribute set holding the hosts. Default: nixosConfigurations.' },
    { name: 'jobs', short: 'j', type: 'string', value: 'N', description: 'Targets evaluated in parallel. Default: cores, bounded by free memory at 1.5 GiB each.' },
    { name: 'timeout', type: 'string', value: 'SECONDS', description: `Per Nix evaluation; the process group is killed after it. Default: ${DEFAULT_TIMEOUT_S}.` },
    { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'Report directory. Default: reports/.' },
    { name: 'reporter', short: 'r', type: 'string', multiple: true, value: 'NAME', description: 'terminal, junit, json, github (annotations and step summary) (repeatable). Default: terminal, junit, json.' },
    { name: 'config', short: 'c', type: 'string', value: 'FILE', description: 'Configuration file. Default: ./nixcheck.yaml when present.' },
    { name: 'cache-dir', type: 'string', value: 'DIR', description: 'Evaluation cache. Default: $XDG_CACHE_HOME/nixcheck.' },
    { name: 'no-cache', type: 'boolean', description: 'Evaluate everything again; neither read nor write the cache.' },
  ],
  async run(values) {
    const config = await loadConfig(values.config as string | undefined);
    const cwd = process.cwd();
    const flagSuites = listFlag(values.suite);
    const reporterNames = listFlag(values.reporter) ?? config.reporters ?? ['terminal', 'junit', 'json'];
    const unknown = reporterNames.filter((r) => !(r in REPORTERS));
    if (unknown.length) throw new InputError(`unknown reporter ${unknown.join(', ')}; known: ${Object.keys(REPORTERS).join(', ')}`);
    const reporters = reporterNames.map((r) => REPORTERS[r]!());
    const outDir = values.out ? resolve(cwd, values.out as string) : config.out;
    const flake = (values.flake as string | undefined) ?? config.flake;
    const result = await runTests({
      ...(flake ? { flake } : {}),
      // Flags are relative to where the user stands; config entries are already absolute.
      baseDir: cwd,
      suites: flagSuites ?? config.suites,
      hostsAttr: (values['hosts-attr'] as string | undefined) ?? config.hostsAttr ?? 'nixosConfigurations',
      ...(listFlag(values.host) ? { hosts: listFlag(values.host)! } : {}),
      jobs: wholeNumber(values.jobs, '--jobs') ?? config.jobs ?? defaultJobs(),
      timeoutMs: (positiveNumber(values.timeout, '--timeout') ?? config.timeout ?? DEFAULT_TIMEOUT_S) * 1000,
      cacheDir: values['no-cache'] ? null : ((values['cache-dir'] as string | undefined) ?? config.cacheDir ?? defaultCacheDir()),
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

export function positiveNumber(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`${flag} expects a positive number, got ${JSON.stringify(value)}`);
  return n;
}

/** Counts (--jobs, --retries): whole numbers from `min` up. */
export function wholeNumber(value: unknown, flag: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InputError(`${flag} expects a whole number of at least ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * 3 when Nix could not answer for a whole target (it does not load); 1 for findings,
 * including options whose evaluation fails or runs out of time: the others still got
 * their verdicts.
 */
export function exitCodeFor(result: RunResult): number {
  if (result.cases.some((c) => c.errorReason === 'target')) return EXIT.infrastructure;
  return result.summary.fail > 0 || result.summary.error > 0 ? EXIT.failures : EXIT.ok;
}
