/**
 * A suite case's verdict from what evaluation answered, in process (the end-to-end tests
 * reach judge() only through the CLI).
 */
import { describe, expect, it } from 'vitest';
import { isSysctlPath, judge } from '../../src/match/verdict.js';
import type { ItemOutcome } from '../../src/nix/request.js';

const value = (v: unknown, more: Partial<Extract<ItemOutcome, { status: 'value' }>> = {}): ItemOutcome => ({
  status: 'value',
  exists: true,
  value: v,
  type: null,
  evidence: null,
  declared: true,
  ...more,
});
const error = (reason: 'throw' | 'fatal' | 'timeout' | 'target', more: { error?: string; trace?: string } = {}): ItemOutcome => ({
  status: 'error',
  error: more.error ?? 'error: boom',
  ...(more.trace !== undefined ? { trace: more.trace } : {}),
  reason,
});
const SYSCTL = ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'];

describe('isSysctlPath', () => {
  it('is true only under boot.kernel.sysctl', () => {
    expect(isSysctlPath(SYSCTL)).toBe(true);
    expect(isSysctlPath(['boot', 'kernel', 'sysctl'])).toBe(true);
    expect(isSysctlPath(['x', 'kernel', 'sysctl', 'a'])).toBe(false);
    expect(isSysctlPath(['boot', 'x', 'sysctl', 'a'])).toBe(false);
    expect(isSysctlPath(['boot', 'kernel', 'x', 'a'])).toBe(false);
    expect(isSysctlPath(['boot', 'kernel'])).toBe(false);
  });
});

describe('judge', () => {
  it('passes with the expectation in words', () => {
    expect(judge({ equals: 2 }, value(2), ['a'], 'config')).toEqual({ verdict: 'pass', expected: 'equals 2' });
  });

  it('fails with the reason', () => {
    expect(judge({ equals: 2 }, value(3), ['a'], 'config')).toEqual({ verdict: 'fail', expected: 'equals 2', message: 'expected 2' });
  });

  it('compares sysctl values numerically, only for config paths under boot.kernel.sysctl', () => {
    expect(judge({ equals: 2 }, value('2'), SYSCTL, 'config').verdict).toBe('pass');
    expect(judge({ gte: 1 }, value(true), SYSCTL, 'config').verdict).toBe('pass');
    // The same path read as a plain attribute of a flake output, or another config path: strict.
    expect(judge({ equals: 2 }, value('2'), SYSCTL, 'attr').verdict).toBe('fail');
    expect(judge({ equals: 2 }, value('2'), ['networking', 'x'], 'config').verdict).toBe('fail');
  });

  it('says when no option is declared where a value was expected, and only then', () => {
    const undeclared = value(null, { exists: false, declared: false });
    expect(judge({ equals: 2 }, undeclared, ['a'], 'config')).toEqual({
      verdict: 'fail',
      expected: 'equals 2',
      message: 'the path does not exist (no option is declared at this path)',
    });
    // Declared (a missing key of an attribute set option), or not known: the plain reason.
    expect(judge({ equals: 2 }, value(null, { exists: false, declared: true }), ['a'], 'config').message).toBe('the path does not exist');
    expect(judge({ equals: 2 }, value(null, { exists: false, declared: null }), ['a'], 'config').message).toBe('the path does not exist');
    // A value that exists is never called undeclared, whatever `declared` says.
    expect(judge({ equals: 2 }, value(3, { declared: false }), ['a'], 'config').message).toBe('expected 2');
  });

  it('an evaluation error is an error verdict unless the case expects one', () => {
    expect(judge({ equals: 1 }, error('throw'), ['a'], 'config')).toEqual({ verdict: 'error', expected: 'equals 1', message: 'evaluation failed' });
    expect(judge({ equals: 1 }, error('fatal'), ['a'], 'config').message).toBe('evaluation failed');
    expect(judge({ equals: 1 }, error('timeout'), ['a'], 'config')).toEqual({ verdict: 'error', expected: 'equals 1', message: 'evaluation timed out' });
  });

  it('throws: matches the error, its trace when there is one, and fails on a value', () => {
    const expected = 'evaluation fails with an error matching /boom/';
    expect(judge({ throws: 'boom' }, error('throw'), ['a'], 'config')).toEqual({ verdict: 'pass', expected });
    expect(judge({ throws: 'bang' }, error('throw'), ['a'], 'config')).toEqual({ verdict: 'fail', expected: 'evaluation fails with an error matching /bang/', message: 'the error does not match /bang/' });
    const traced = error('throw', { error: 'error: boom', trace: "error: boom\n       … while evaluating the option `x.y'" });
    expect(judge({ throws: 'while evaluating the option' }, traced, ['a'], 'config').verdict).toBe('pass');
    expect(judge({ throws: 'boom' }, error('timeout', { error: 'timed out' }), ['a'], 'config').verdict).toBe('fail');
    expect(judge({ throws: 'boom' }, value(1), ['a'], 'config')).toEqual({ verdict: 'fail', expected, message: 'evaluation succeeded, but an error was expected' });
  });
});
