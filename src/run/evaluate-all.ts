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
  /** The outcome of the item `followUp` asked for after this one, when it was evaluated. */
  followUp?: ItemOutcome;
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

/** What a caller of evaluateAll may add; see EvaluateManyOptions for the last two. */
export interface EvaluateAllOptions {
  /** Each target's answers as soon as it is done (request indices), so work on them can go on while Nix evaluates the next target. */
  onAnswers?: (answered: { index: number; answer: EvalAnswer }[]) => void;
  /** Whether a request's error, given without its trace, needs the trace. */
  traceWanted?: (index: number, outcome: ItemOutcome) => boolean;
  /** An item to evaluate next for a request, given its outcome (its answer's `followUp`). */
  followUp?: (index: number, outcome: ItemOutcome) => EvalItem | undefined;
}

/**
 * Evaluate every request: the items of each target together, targets sharing at most
 * `jobs` Nix processes. Answers come back in request order.
 */
export async function evaluateAll(
  requests: readonly EvalRequest[],
  evaluator: Evaluator,
  jobs: number,
  events: RunEvents,
  { onAnswers, traceWanted, followUp }: EvaluateAllOptions = {},
): Promise<{ answers: EvalAnswer[]; stats: EvaluationStats[]; nixVersion: string | null }> {
  const groups = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const list = groups.get(r.target.key) ?? [];
    list.push(i);
    groups.set(r.target.key, list);
  });
  const indexGroups = [...groups.values()];
  const targetOf = (g: number) => requests[indexGroups[g]![0]!]!.target;
  const answers: EvalAnswer[] = new Array(requests.length);
  const stats: EvaluationStats[] = [];
  const results = await evaluator.evaluateMany(
    indexGroups.map((indices, g) => ({ target: targetOf(g).evalTarget, items: indices.map((i) => requests[i]!.item) })),
    {
      jobs,
      ...(traceWanted ? { traceWanted: (g: number, k: number, outcome: ItemOutcome) => traceWanted(indexGroups[g]![k]!, outcome) } : {}),
      ...(followUp ? { followUp: (g: number, k: number, outcome: ItemOutcome) => followUp(indexGroups[g]![k]!, outcome) } : {}),
      onTargetStart: (g) => events.emit({ type: 'target-start', target: targetOf(g).label, items: indexGroups[g]!.length }),
      onTargetEnd: (g, result) => {
        const indices = indexGroups[g]!;
        const share = result.durationMs / indices.length;
        indices.forEach((requestIndex, k) => {
          const next = result.followUps?.get(k);
          answers[requestIndex] = { outcome: result.outcomes[k]!, ...(next ? { followUp: next } : {}), cached: result.fromCache[k]!, durationMs: share };
        });
        onAnswers?.(indices.map((index) => ({ index, answer: answers[index]! })));
        const allCached = result.processes === 0;
        stats.push({ target: targetOf(g).label, durationMs: result.durationMs, cached: allCached, processes: result.processes });
        events.emit({ type: 'target-end', target: targetOf(g).label, items: indices.length, durationMs: result.durationMs, cached: allCached, processes: result.processes });
      },
    },
  );
  const nixVersion = results.find((r) => r.nixVersion !== null)?.nixVersion ?? null;
  return { answers, stats, nixVersion };
}
