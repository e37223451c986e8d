/**
 * Turn a run of a VM test (attempts, parsed logs) into per-step outcomes. Shared by
 * integration tests and flake checks; chaos and runtime checks read the markers directly.
 */
import { machineLines, type ParsedDriverLog, type StepMarks } from './parse-log.js';
import type { AttemptResult, TestRun } from './run.js';
import type { CompiledStep } from './types.js';

export type StepStatus = 'pass' | 'fail' | 'error' | 'skip';

export interface StepOutcome {
  index: number;
  title: string;
  status: StepStatus;
  durationMs: number;
  message?: string;
  /** Failure text and the machines' last lines. */
  error?: string;
  outputs: StepMarks['outputs'];
  errorReason?: 'timeout';
}

export const MACHINE_TAIL_LINES = 40;

function stepDurationMs(marks: StepMarks | undefined, log: ParsedDriverLog, title: string): number {
  if (marks?.beginT !== undefined && marks.endT !== undefined) return Math.max(0, Math.round((marks.endT - marks.beginT) * 1000));
  const sub = log.subtests.find((s) => s.name === title);
  return sub?.durationS !== undefined ? Math.round(sub.durationS * 1000) : 0;
}

function failureText(log: ParsedDriverLog, from: number | undefined, to: number | undefined, node?: string): string {
  const parts: string[] = [];
  if (log.errorLines.length > 0) parts.push(log.errorLines.join('\n'));
  const tail = machineLines(log, { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(node ? { machine: node } : {}), last: MACHINE_TAIL_LINES });
  if (tail.length > 0) parts.push(`last machine lines${node ? ` (${node})` : ''}:\n${tail.join('\n')}`);
  return parts.join('\n\n');
}

/** Outcomes for steps a generated test declared (markers), in order. */
export function outcomesFromMarkers(steps: readonly CompiledStep[], attempt: AttemptResult): StepOutcome[] {
  const { log } = attempt;
  let blocked: string | undefined;
  return steps.map((step) => {
    const marks = log.steps.get(step.index);
    const base = { index: step.index, title: step.title, outputs: marks?.outputs ?? [], durationMs: stepDurationMs(marks, log, step.title) };
    if (marks?.status === 'ok') return { ...base, status: 'pass' };
    if (marks?.status === 'failed') {
      blocked ??= `not run: step ${step.index} failed`;
      return {
        ...base,
        status: 'fail',
        message: marks.error ?? log.failure?.message ?? 'the step failed',
        error: failureText(log, marks.beginLine, marks.endLine, step.node),
      };
    }
    if (marks?.beginLine !== undefined) {
      // Begun, never ended: the run was cut (timeout) or the driver died.
      const durationMs = 0;
      blocked ??= `not run: step ${step.index} did not finish`;
      if (attempt.timedOut || log.timeoutReached) {
        return { ...base, durationMs, status: 'error', errorReason: 'timeout', message: 'timed out during this step', error: failureText(log, marks.beginLine, undefined, step.node) };
      }
      return {
        ...base,
        durationMs,
        status: 'error',
        message: `the driver stopped during this step (exit code ${attempt.exitCode ?? attempt.signal})`,
        error: failureText(log, marks.beginLine, undefined, step.node),
      };
    }
    return { ...base, status: 'skip', message: blocked ?? (attempt.timedOut ? 'not run: timed out' : 'not run: the driver stopped before this step') };
  });
}

/** Outcomes of a test without markers (a flake check): one per subtest. */
export function outcomesFromSubtests(attempt: AttemptResult): StepOutcome[] {
  const { log } = attempt;
  return log.subtests.map((s, i) => {
    const base = { index: i + 1, title: s.name, outputs: [], durationMs: s.durationS !== undefined ? Math.round(s.durationS * 1000) : 0 };
    if (s.error !== undefined) return { ...base, status: 'fail', message: s.error, error: failureText(log, s.startLine, s.endLine) };
    if (s.endLine === undefined) {
      return attempt.timedOut || log.timeoutReached
        ? { ...base, status: 'error', errorReason: 'timeout', message: 'timed out during this subtest', error: failureText(log, s.startLine, undefined) }
        : { ...base, status: 'error', message: 'the driver stopped during this subtest', error: failureText(log, s.startLine, undefined) };
    }
    return { ...base, status: 'pass' };
  });
}

/** Whole-test outcome of an attempt given its step outcomes. */
export function testStatus(run: TestRun, steps: readonly StepOutcome[]): { status: StepStatus; message: string; error?: string; errorReason?: 'timeout' } {
  if (run.notRun) return { status: 'error', message: run.notRun.message, ...(run.notRun.error ? { error: run.notRun.error } : {}) };
  const last = run.attempts.at(-1)!;
  const tail = () => failureText(last.log, undefined, undefined);
  if (last.cancelled) return { status: 'error', message: 'cancelled', error: tail() };
  if (last.timedOut || last.log.timeoutReached) {
    return { status: 'error', errorReason: 'timeout', message: `timed out after ${Math.round(last.durationMs / 1000)} s`, error: tail() };
  }
  const failed = steps.filter((s) => s.status === 'fail');
  if (failed.length > 0) return { status: 'fail', message: `${failed.length} step(s) failed: ${failed.map((s) => s.title).join('; ')}`, error: failed[0]!.error ?? '' };
  const errored = steps.find((s) => s.status === 'error');
  if (errored) return { status: 'error', message: errored.message ?? 'error', ...(errored.error ? { error: errored.error } : {}) };
  if (last.exitCode !== 0) {
    return { status: 'error', message: `the driver exited with code ${last.exitCode ?? last.signal} although no step failed`, error: tail() };
  }
  return { status: 'pass', message: `passed${run.flaky ? ` on attempt ${last.attempt} (flaky)` : ''}` };
}
