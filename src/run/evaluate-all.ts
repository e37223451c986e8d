import pLimit from 'p-limit';
import type { Evaluator } from '../nix/evaluator.js';
import type { EvalItem, ItemOutcome } from '../nix/request.js';
import type { ResolvedTarget } from '../target/resolve-target.js';
import type { RunEvents } from './events.js';

export interface EvalRequest {
  target: ResolvedTarget;
  item: EvalItem;
}

export interface EvalAnswer {
  outcome: ItemOutcome;
  cached: boolean;
  /** The target's evaluation time shared among its items. */
  durationMs: number;
}

export interface EvaluationStats {
  target: string;
  durationMs: number;
  cached: boolean;
  processes: number;
}

/**
 * Evaluate every request, one batched evaluation per target, targets in parallel.
 * Answers come back in request order.
 */
export async function evaluateAll(
  requests: readonly EvalRequest[],
  evaluator: Evaluator,
  jobs: number,
  events: RunEvents,
): Promise<{ answers: EvalAnswer[]; stats: EvaluationStats[]; nixVersion: string | null }> {
  const groups = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const list = groups.get(r.target.key) ?? [];
    list.push(i);
    groups.set(r.target.key, list);
  });
  const answers: EvalAnswer[] = new Array(requests.length);
  const stats: EvaluationStats[] = [];
  let nixVersion: string | null = null;
  const limit = pLimit(Math.max(1, jobs));
  await Promise.all(
    [...groups.values()].map((indices) =>
      limit(async () => {
        const target = requests[indices[0]!]!.target;
        events.emit({ type: 'target-start', target: target.label, items: indices.length });
        const result = await evaluator.evaluate(target.evalTarget, indices.map((i) => requests[i]!.item));
        nixVersion ??= result.nixVersion;
        const share = result.durationMs / indices.length;
        indices.forEach((requestIndex, k) => {
          answers[requestIndex] = { outcome: result.outcomes[k]!, cached: result.fromCache[k]!, durationMs: share };
        });
        const allCached = result.processes === 0;
        stats.push({ target: target.label, durationMs: result.durationMs, cached: allCached, processes: result.processes });
        events.emit({ type: 'target-end', target: target.label, items: indices.length, durationMs: result.durationMs, cached: allCached, processes: result.processes });
      }),
    ),
  );
  return { answers, stats, nixVersion };
}
