/** results.json and vm-results.json of the shards of one run, as that run's one result. */
import { summarize, type CaseResult, type RunResult } from '../result/model.js';
import type { ShardInfo } from './select.js';
import { agreed, byTargetOrder, checkShardSet, inRunOrder, mergedHeader, type ShardFile, type Sharded } from './shard-set.js';

/** Which target a case belongs to, given its position in the whole run. */
export type CaseTarget = (c: CaseResult, position: number, info: ShardInfo) => string;

/** `nixcheck test` shards hold hosts and other targets, by label. */
export const unitCaseTarget: CaseTarget = (c) => c.target.label;
/** `vm run` shards hold whole VM tests: a case's position is its test's. */
export const vmCaseTarget: CaseTarget = (_c, position, info) => info.targets[position]?.id ?? `position ${position}`;

export interface MergedRun {
  result: RunResult;
  shards: Sharded<RunResult>[];
  /** Things the merged result cannot say for sure, to print. */
  notes: string[];
}

export function mergeRunResults(files: readonly ShardFile<RunResult>[], what: string, targetOf: CaseTarget): MergedRun {
  const shards = checkShardSet(files, { what, entries: (r) => r.cases, targetOf });
  const notes: string[] = [];
  const tool = agreed(shards, (r) => r.tool, 'nixcheck version');
  const { nixVersion, flake } = mergedHeader(shards, notes);
  const cases = inRunOrder(shards, (r) => r.cases);
  const result: RunResult = {
    schemaVersion: 1,
    tool,
    nix: { version: nixVersion },
    ...(flake != null ? { flake } : {}),
    // The parts ran side by side: the run began with the first and took as long as the longest.
    startedAt: shards.map((s) => s.data.startedAt).sort()[0]!,
    durationMs: Math.max(...shards.map((s) => s.data.durationMs)),
    evaluations: byTargetOrder(shards, (r) => r.evaluations, (e) => e.target),
    cases,
    summary: summarize(cases),
  };
  return { result, shards, notes };
}
