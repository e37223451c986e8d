/**
 * What lost a whole option to the winning definitions is not kept by the module system;
 * finding it costs an evaluation of the target per option and level (src/nix/evidence.nix).
 * So it is looked for only where a report explains a value: a failing suite case, a
 * failing compliance check: those paths are asked again with `evidence: 'full'` (cached
 * apart from the first), as a follow-up in the same process where the caller can
 * (run-suites.ts), else in a second request (addFullEvidence).
 */
import type { Evaluator } from '../nix/evaluator.js';
import type { EvalItem, ItemOutcome } from '../nix/request.js';
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
  const second = await evaluateAgain(requests, explained, fullEvidenceItem, evaluator, jobs, stats);
  explained.forEach((i, k) => (answers[i] = withFullEvidence(answers[i]!, second[k]!.outcome)));
}

/** The same path asked again for its full evidence. */
export function fullEvidenceItem(item: EvalItem): EvalItem {
  return { ...item, evidence: 'full' };
}

/** An answer with the evidence of `full` (the outcome of fullEvidenceItem), where both are values and it has some. */
export function withFullEvidence(answer: EvalAnswer, full: ItemOutcome): EvalAnswer {
  if (answer.outcome.status !== 'value' || full.status !== 'value' || !full.evidence) return answer;
  return { ...answer, outcome: { ...answer.outcome, evidence: full.evidence } };
}
