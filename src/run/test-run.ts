import { resolve } from 'node:path';
import { SourceLocator } from '../evidence/source-locator.js';
import { resolveFlake } from '../nix/flake-ref.js';
import { Evaluator } from '../nix/evaluator.js';
import { gitTopLevel } from '../nix/source-hash.js';
import type { Reporter } from '../report/reporter.js';
import { stoppingSignal } from '../process/registry.js';
import { writeReportSet, type ReportSetOutcome } from '../util/atomic-write.js';
import type { RunResult } from '../result/model.js';
import { measuredDurations, recordCosts } from '../shard/cost-record.js';
import type { ShardRequest } from '../shard/select.js';
import { loadSuites } from '../suite/load-suites.js';
import { runSuites } from '../suite/run-suites.js';
import { RunEvents } from './events.js';
import { buildRunResult } from './run-result.js';

export interface TestRunOptions {
  flake?: string;
  /** Directory that relative flake and suite paths resolve against. */
  baseDir: string;
  suites: string[];
  hostsAttr: string;
  hosts?: string[];
  jobs: number;
  timeoutMs: number;
  cacheDir: string | null;
  outDir: string;
  reporters: Reporter[];
  /** Globs of local module files that are not the user's own (see SourceLocator). */
  upstream?: string[];
  /** Run only this shard's targets (`--shard i/n`). */
  shard?: ShardRequest;
}

export { VERSION } from './version.js';

/** load and validate -> plan -> evaluate -> verdicts -> reports. */
export async function runTests(options: TestRunOptions): Promise<RunResult> {
  const startedAt = new Date();
  const started = performance.now();
  const suites = await loadSuites(options.suites, options.baseDir);
  const flake = options.flake ? resolveFlake(options.flake, options.baseDir) : undefined;
  const roots = flake?.localDir ? [flake.localDir, (gitTopLevel(flake.localDir)) ?? flake.localDir] : [];
  const events = new RunEvents();
  for (const r of options.reporters) if (r.onEvent) events.on((e) => r.onEvent!(e));
  const evaluator = new Evaluator({ timeoutMs: options.timeoutMs, cacheDir: options.cacheDir });
  const { cases, stats, nixVersion, shard } = await runSuites(suites, {
    ...(flake ? { flake } : {}),
    hostsAttr: options.hostsAttr,
    ...(options.hosts ? { hosts: options.hosts } : {}),
    evaluator,
    jobs: options.jobs,
    events,
    locator: new SourceLocator(roots, (options.upstream ?? []).map((g) => resolve(options.baseDir, g))),
    ...(options.shard ? { shard: options.shard } : {}),
  });
  // Shards only read the record: every shard of a run must split with the same costs.
  if (!options.shard) await recordCosts(options.cacheDir, 'test', measuredDurations(stats));
  const result = buildRunResult({
    cases,
    startedAt,
    durationMs: performance.now() - started,
    nixVersion,
    ...(flake ? { flake: flake.ref } : {}),
    evaluations: stats,
    ...(shard ? { shard } : {}),
  });
  events.emit({ type: 'run-end', result });
  return result;
}

/**
 * Reporters write after the run: first the report files of all of them, as one set (all
 * new or, when any fails, all old), then their other output. One reporter's failure does
 * not stop the others' output.
 */
export async function writeReports(result: RunResult, reporters: Reporter[], outDir: string): Promise<ReportSetOutcome> {
  const { written, failures } = await writeReportSet(outDir, reporters.flatMap((r) => r.files?.(result) ?? []));
  // An interrupted run's results are partial: no annotations or step summary from them either.
  if (stoppingSignal()) return { written, failures };
  for (const r of reporters) {
    if (!r.finish) continue;
    try {
      written.push(...(await r.finish(result, outDir)));
    } catch (err) {
      failures.push(`${r.name} reporter: ${(err as Error).message}`);
    }
  }
  return { written, failures };
}
