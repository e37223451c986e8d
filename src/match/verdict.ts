import type { ItemOutcome, PathSegment } from '../nix/request.js';
import type { Verdict } from '../result/model.js';
import { describeMatchers, match, type MatcherSpec, type Observed } from './matchers.js';

export interface Judgement {
  verdict: Verdict;
  expected: string;
  message?: string;
}

/** sysctl values are int, string or bool in real configs; compare them as numbers. */
export function isSysctlPath(path: readonly PathSegment[]): boolean {
  return path[0] === 'boot' && path[1] === 'kernel' && path[2] === 'sysctl';
}

function observe(outcome: ItemOutcome): Observed {
  if (outcome.status === 'value') return { kind: 'value', exists: outcome.exists, value: outcome.value, type: outcome.type };
  // Stryker disable next-line StringLiteral: judge matches an error only against throws, and match tells a value by its kind alone
  return { kind: 'error', error: outcome.error, trace: outcome.trace };
}

/**
 * pass/fail when the matchers could be checked; error when evaluation failed and no
 * `throws` matcher expected it to.
 */
export function judge(matchers: MatcherSpec, outcome: ItemOutcome, path: readonly PathSegment[], root: 'config' | 'attr'): Judgement {
  const expected = describeMatchers(matchers);
  if (outcome.status === 'error' && matchers.throws === undefined) {
    const why = outcome.reason === 'timeout' ? 'evaluation timed out' : 'evaluation failed';
    return { verdict: 'error', expected, message: why };
  }
  const result = match(matchers, observe(outcome), { numericStrings: root === 'config' && isSysctlPath(path) });
  if (result.pass) return { verdict: 'pass', expected };
  const undeclared = outcome.status === 'value' && !outcome.exists && outcome.declared === false;
  return { verdict: 'fail', expected, message: undeclared ? `${result.reason} (no option is declared at this path)` : result.reason };
}
