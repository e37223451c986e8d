/**
 * Durations users give (flags, nixcheck.yaml, suites): one range for all of them. Node's
 * timers fire at once for anything above 2^31-1 ms (about 24.8 days), so an unchecked
 * `--timeout 2147484` would time out every evaluation immediately.
 */
import { InputError } from './errors.js';

/** The largest delay setTimeout honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** setTimeout fires at once beyond MAX_TIMER_MS: a timeout nobody can honour is a bug upstream. */
export function checkTimerMs(ms: number): void {
  if (!(ms > 0 && ms <= MAX_TIMER_MS)) throw new RangeError(`timeout of ${ms} ms is outside 1..${MAX_TIMER_MS} ms`);
}

/** One day: the longest timeout any nixcheck command or suite accepts (schemas say the same). */
export const MAX_DURATION_S = 86_400;

/** The range check, as a message, or undefined when `seconds` is fine. */
export function durationProblem(seconds: number): string | undefined {
  if (!Number.isFinite(seconds) || seconds <= 0) return `expects a positive number of seconds, got ${seconds}`;
  if (seconds > MAX_DURATION_S) return `expects at most ${MAX_DURATION_S} seconds (one day), got ${seconds}`;
  return undefined;
}

/** A flag given in seconds (`--timeout 300`): undefined when absent, exit 2 when out of range. */
export function secondsFlag(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  const problem = Number.isNaN(seconds) ? `expects a number of seconds, got ${JSON.stringify(value)}` : durationProblem(seconds);
  if (problem) throw new InputError(`${flag} ${problem}`);
  return seconds;
}
