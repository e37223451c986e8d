import { nixErrorMessage } from './nix-cli.js';
import type { ItemOutcome, RawEvidence } from './request.js';
import type { DeathCause } from './eval-session.js';
import type { StepId, StepResult } from './session-protocol.js';

/**
 * Error isolation, decided without running anything: after a unit ran (or its process
 * died), which items have their own outcome and what must run again.
 *
 * In a session Nix reports throw, abort, infinite recursion and failed asserts per step
 * and carries on, so each item gets its own message. What ends the process (stack
 * overflow, being killed for memory, the time limit) is pinned on the step in flight
 * when that step is clearly the cause: Nix said so, or the step ran first in a fresh
 * process (for a time limit: first of its unit, so the time was its own). Otherwise the
 * step is a suspect and runs again alone, first in a fresh process, where whatever
 * happens is its own. The unanswered rest of the unit runs again too. Every attempt
 * settles at least one item, so isolation always ends, with every item answered.
 *
 * One bound: a target whose attempts time out twice in a row before answering anything
 * is stuck in what its paths share (its configuration loops), and would otherwise cost
 * one time limit per path; its remaining paths get a timeout error saying so.
 */

/** Items of one target (indices into its item list) to evaluate in one go. */
export interface WorkUnit {
  target: number;
  items: number[];
  /** Must be the first unit of a new process (a suspect, run again alone). */
  freshProcess: boolean;
  /** Attempts of this target before, in a row, that timed out before answering anything. */
  stalled?: number;
}

/** What one attempt at a unit produced (see EvalSession.run). */
export interface AttemptResult {
  /** The target step; absent when the process died before it ended. */
  target?: StepResult;
  /** Per item of the unit, in request order; absent where no answer came. */
  items: (StepResult | undefined)[];
  /** The process died during this unit: the step it was on, and what it said. */
  death?: { step: StepId; cause: DeathCause; text: string };
  /** This unit was the first its process evaluated. */
  fresh: boolean;
  /** Nix printed errors with `--show-trace`: an error's text is its whole trace. */
  traced: boolean;
}

export interface Isolation {
  outcomes: { item: number; outcome: ItemOutcome }[];
  retry: WorkUnit[];
}

export function isolate(unit: WorkUnit, attempt: AttemptResult): Isolation {
  const outcomes: Isolation['outcomes'] = [];
  const all = (outcome: ItemOutcome): Isolation => ({ outcomes: unit.items.map((item) => ({ item, outcome })), retry: [] });
  if (attempt.target && !attempt.target.ok) return all(errorOutcome(attempt.target.error, 'target', attempt.traced));

  const unanswered: number[] = [];
  unit.items.forEach((item, position) => {
    const result = attempt.items[position];
    if (result) outcomes.push({ item, outcome: stepOutcome(result, attempt.traced) });
    else unanswered.push(position);
  });
  const death = attempt.death;
  if (!death) {
    if (attempt.target && unanswered.length) throw new Error('a session attempt left items unanswered without dying');
    return { outcomes, retry: [] };
  }
  if (death.cause === 'cancelled') {
    for (const position of unanswered) outcomes.push({ item: unit.items[position]!, outcome: { status: 'error', error: death.text, reason: 'fatal' } });
    return { outcomes, retry: [] };
  }
  const nixSaid = death.cause === 'exit' && death.text.startsWith('error:');
  const reason = death.cause === 'timeout' ? 'timeout' : 'fatal';

  if (death.step === 't') {
    // The unit's time limit starts with it, so a timeout while loading is the target's own.
    if (nixSaid || attempt.fresh || death.cause === 'timeout') return all(deathOutcome(death.text, death.cause === 'timeout' ? 'timeout' : 'target'));
    return { outcomes, retry: [{ ...unit, freshProcess: true }] };
  }

  const culprit = death.step;
  const firstOfAttempt = unanswered.length === unit.items.length;
  const own = nixSaid || (firstOfAttempt && (attempt.fresh || death.cause === 'timeout'));
  const rest = unanswered.filter((p) => p !== culprit).map((p) => unit.items[p]!);
  const retry: WorkUnit[] = [];
  if (own) outcomes.push({ item: unit.items[culprit]!, outcome: deathOutcome(death.text, reason) });
  else retry.push({ target: unit.target, items: [unit.items[culprit]!], freshProcess: true });
  if (rest.length === 0) return { outcomes, retry };

  const stalled = death.cause === 'timeout' && firstOfAttempt ? (unit.stalled ?? 0) + 1 : 0;
  if (stalled >= 2) {
    const error = `not evaluated: this target timed out twice in a row before answering any path, so its remaining paths were not tried (${death.text})`;
    for (const item of rest) outcomes.push({ item, outcome: { status: 'error', error, reason: 'timeout' } });
  } else retry.push({ target: unit.target, items: rest, freshProcess: false, ...(stalled ? { stalled } : {}) });
  return { outcomes, retry };
}

interface EngineAnswer {
  exists?: boolean;
  value?: unknown;
  type?: string | null;
  evidence?: RawEvidence | null;
  declared?: boolean | null;
}

/** An item step's outcome; `traced`: the session ran with `--show-trace`. */
export function stepOutcome(result: StepResult, traced: boolean): ItemOutcome {
  if (!result.ok) return errorOutcome(result.error, 'throw', traced || result.traced === true);
  const answer = (result.value ?? {}) as EngineAnswer;
  return {
    status: 'value',
    exists: answer.exists ?? false,
    value: answer.value ?? null,
    type: answer.type ?? null,
    evidence: answer.evidence ?? null,
    declared: answer.declared ?? null,
  };
}

/**
 * A step's error: its message is the error; from a session run with `--show-trace`,
 * Nix's own text is also the whole trace (what `throws:` matches). nixcheck's own words
 * (no `error:` of Nix's) have no trace.
 */
function errorOutcome(text: string, reason: 'throw' | 'target', traced: boolean): ItemOutcome {
  if (!text.startsWith('error:')) return { status: 'error', error: text, reason };
  return { status: 'error', error: nixErrorMessage(text), ...(traced ? { trace: text } : {}), reason };
}

/** What ended the process: its message only (the process died, perhaps before Nix printed all of it). */
function deathOutcome(text: string, reason: 'fatal' | 'timeout' | 'target'): ItemOutcome {
  return { status: 'error', error: text.startsWith('error:') ? nixErrorMessage(text) : text, reason };
}
