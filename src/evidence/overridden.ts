/**
 * What lost a whole option to the winning definitions is not kept by the module system;
 * finding it costs an evaluation of the target per option and level (src/nix/evidence.nix).
 * So it is looked for only where a report explains a value: a failing suite case, a
 * failing compliance check. This is the second request that asks for those paths again
 * with `evidence: 'full'` (cached apart from the first).
 */
import type { Evaluator } from '../nix/evaluator.js';
import { evaluateAll, type EvalAnswer, type EvalRequest, type EvaluationStats } from '../run/evaluate-all.js';
import { RunEvents } from '../run/events.js';

/**
 * Replace the evidence of the answers at `explained` (indices into `requests` and
 * `answers`) with their full evidence, and add the time and processes this took to each
 * target's entry in `stats`.
 */
export async function addFullEvidence(
  requests: readonly EvalRequest[],
  answers: EvalAnswer[],
  explained: readonly number[],
  evaluator: Evaluator,
  jobs: number,
  stats: EvaluationStats[],
): Promise<void> {
  if (explained.length === 0) return;
  const second = await evaluateAll(
    explained.map((i) => ({ ...requests[i]!, item: { ...requests[i]!.item, evidence: 'full' as const } })),
    evaluator,
    jobs,
    new RunEvents(),
  );
  explained.forEach((i, k) => {
    const answer = answers[i]!;
    const full = second.answers[k]!.outcome;
    if (answer.outcome.status === 'value' && full.status === 'value' && full.evidence) answers[i] = { ...answer, outcome: { ...answer.outcome, evidence: full.evidence } };
  });
  for (const s of second.stats) {
    const entry = stats.find((e) => e.target === s.target);
    if (!entry) stats.push(s);
    else Object.assign(entry, { durationMs: entry.durationMs + s.durationMs, processes: entry.processes + s.processes, cached: entry.cached && s.cached });
  }
}
