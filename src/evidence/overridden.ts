/**
 * What lost a whole option to the winning definitions is not kept by the module system;
 * finding it costs an evaluation of the target per option and level (src/nix/evidence.nix).
 * So it is looked for only where a report explains a value: a failing suite case, a
 * failing compliance check. This is the second request that asks for those paths again
 * with `evidence: 'full'` (cached apart from the first).
 */
import type { Evaluator } from '../nix/evaluator.js';
import type { EvalAnswer, EvalRequest, EvaluationStats } from '../run/evaluate-all.js';
import { evaluateAgain } from '../run/evaluate-again.js';

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
  const second = await evaluateAgain(requests, explained, (item) => ({ ...item, evidence: 'full' }), evaluator, jobs, stats);
  explained.forEach((i, k) => {
    const answer = answers[i]!;
    const full = second[k]!.outcome;
    if (answer.outcome.status === 'value' && full.status === 'value' && full.evidence) answers[i] = { ...answer, outcome: { ...answer.outcome, evidence: full.evidence } };
  });
}
