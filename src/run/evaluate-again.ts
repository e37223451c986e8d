import type { Evaluator } from '../nix/evaluator.js';
import type { EvalItem } from '../nix/request.js';
import { evaluateAll, type EvalAnswer, type EvalRequest, type EvaluationStats } from './evaluate-all.js';
import { RunEvents } from './events.js';

/**
 * A second, smaller evaluation of some requests (indices into `requests`) with more asked
 * of each item: what only the cases a report must explain need, since asking it of every
 * case would cost every run. Its answers come back in the order of `indices`; its time
 * and processes are added to each target's entry in `stats`.
 */
export async function evaluateAgain(
  requests: readonly EvalRequest[],
  indices: readonly number[],
  more: (item: EvalItem) => EvalItem,
  evaluator: Evaluator,
  jobs: number,
  stats: EvaluationStats[],
): Promise<EvalAnswer[]> {
  if (indices.length === 0) return [];
  const second = await evaluateAll(
    indices.map((i) => ({ ...requests[i]!, item: more(requests[i]!.item) })),
    evaluator,
    jobs,
    new RunEvents(),
  );
  for (const s of second.stats) {
    const entry = stats.find((e) => e.target === s.target);
    if (!entry) stats.push(s);
    else Object.assign(entry, { durationMs: entry.durationMs + s.durationMs, processes: entry.processes + s.processes, cached: entry.cached && s.cached });
  }
  return second.answers;
}
