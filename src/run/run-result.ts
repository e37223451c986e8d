import { summarize, type CaseResult, type RunResult } from '../result/model.js';
import type { ShardInfo } from '../shard/select.js';
import { VERSION } from './version.js';

/** The one result model, for any kind of run (unit, integration, chaos). */
export function buildRunResult(input: {
  cases: CaseResult[];
  startedAt: Date;
  durationMs: number;
  nixVersion: string | null;
  flake?: string;
  evaluations?: RunResult['evaluations'];
  shard?: ShardInfo;
}): RunResult {
  return {
    schemaVersion: 1,
    tool: { name: 'nixcheck', version: VERSION },
    nix: { version: input.nixVersion },
    ...(input.flake ? { flake: input.flake } : {}),
    startedAt: input.startedAt.toISOString(),
    durationMs: input.durationMs,
    evaluations: input.evaluations ?? [],
    cases: input.cases,
    summary: summarize(input.cases),
    ...(input.shard ? { shard: input.shard } : {}),
  };
}
