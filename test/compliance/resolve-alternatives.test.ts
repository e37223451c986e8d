/** Which alternative decides, and how a result says so, in process (the end-to-end cases are in alternatives.test.ts). */
import { describe, expect, it } from 'vitest';
import { describeAlternative, passedOverBecause, resolveAlternatives } from '../../src/compliance/alternatives.js';
import type { CheckResult } from '../../src/compliance/evaluate-controls.js';
import type { AlternativesCheck, PathCheck } from '../../src/compliance/types.js';
import type { ItemOutcome } from '../../src/nix/request.js';

const at = { file: 'c.yaml', line: 4, column: 7 };
const path = (p: string): PathCheck => ({ kind: 'path', path: p, attrPath: p.split('.'), matchers: { equals: 'x' }, location: { ...at, line: 5 } });
const check = (...paths: string[]): AlternativesCheck => ({ kind: 'alternatives', alternatives: paths.map(path), location: at });
const undeclared: ItemOutcome = { status: 'value', exists: false, value: null, type: null, evidence: null, declared: false };
const declared: ItemOutcome = { status: 'value', exists: true, value: 'x', type: 'string', evidence: null, declared: true };
const REMOVED = "error: The option `old' can no longer be used since it's been removed. Use new.";
const removed: ItemOutcome = { status: 'error', error: `error: while evaluating\n  ${REMOVED}  \nmore`, reason: 'throw' };

/** The judged result of a path: marks which one was judged. */
const judged = async (a: PathCheck): Promise<CheckResult> => ({ path: a.path, location: a.location, status: 'pass', exists: true, valueSource: 'user' });

describe('passedOverBecause', () => {
  it('quotes the line of a removed option, trimmed, wherever it is in the error', () => {
    expect(passedOverBecause(removed)).toBe(`removed from this nixpkgs (${REMOVED})`);
  });

  it('passes over only what is not declared: a value where no option is declared (a freeform setting) is judged', () => {
    expect(passedOverBecause(undeclared)).toBe('no option is declared at this path');
    expect(passedOverBecause({ ...declared, declared: false })).toBeUndefined();
    expect(passedOverBecause({ ...undeclared, declared: true })).toBeUndefined();
    expect(passedOverBecause({ ...undeclared, declared: null })).toBeUndefined();
  });

  it('a removal is told by the whole sentence', () => {
    const error = (text: string): ItemOutcome => ({ status: 'error', error: text, reason: 'throw' });
    expect(passedOverBecause(error("The option `a.b' can no longer be used since it's been removed"))).toBeUndefined();
    expect(passedOverBecause(error("The option `a.b' can no longer be used since it has been removed."))).toBeUndefined();
    expect(passedOverBecause(error("The option `a'b' can no longer be used since it's been removed."))).toBeUndefined();
    expect(passedOverBecause(error("The option `' can no longer be used since it's been removed."))).toBe("removed from this nixpkgs (The option `' can no longer be used since it's been removed.)");
    expect(passedOverBecause({ status: 'error', error: REMOVED, reason: 'fatal' })).toBeUndefined();
    expect(passedOverBecause({ status: 'error', error: REMOVED, reason: 'timeout' })).toBeUndefined();
  });
});

describe('resolveAlternatives', () => {
  it('the first declared alternative decides, with the list and what was passed over', async () => {
    const outcomes: Record<string, ItemOutcome> = { old: removed, gone: undeclared, new: declared, newer: declared };
    const result = await resolveAlternatives(check('old', 'gone', 'new', 'newer'), (a) => outcomes[a.path]!, judged);
    expect(result).toEqual({
      path: 'new',
      location: { ...at, line: 5 },
      status: 'pass',
      exists: true,
      valueSource: 'user',
      alternatives: {
        paths: ['old', 'gone', 'new', 'newer'],
        passedOver: [
          { path: 'old', reason: `removed from this nixpkgs (${REMOVED})` },
          { path: 'gone', reason: 'no option is declared at this path' },
        ],
      },
    });
  });

  it('judges only the alternative that decides', async () => {
    const asked: string[] = [];
    await resolveAlternatives(check('a', 'b'), () => declared, async (a) => {
      asked.push(a.path);
      return judged(a);
    });
    expect(asked).toEqual(['a']);
  });

  it('none declared: an error naming every alternative and why', async () => {
    const result = await resolveAlternatives(check('old', 'gone'), (a) => (a.path === 'old' ? removed : undeclared), judged);
    expect(result).toEqual({
      path: 'old | gone',
      location: at,
      status: 'error',
      exists: false,
      valueSource: 'unknown',
      reason: 'no such option',
      error: `none of the alternatives is declared in this configuration: old: removed from this nixpkgs (${REMOVED}); gone: no option is declared at this path`,
      alternatives: {
        paths: ['old', 'gone'],
        passedOver: [
          { path: 'old', reason: `removed from this nixpkgs (${REMOVED})` },
          { path: 'gone', reason: 'no option is declared at this path' },
        ],
      },
    });
  });
});

describe('describeAlternative', () => {
  it('says which alternative was read and why the earlier ones were not', () => {
    expect(describeAlternative({ path: 'b', alternatives: { paths: ['a', 'b'], passedOver: [{ path: 'a', reason: 'gone' }] } })).toBe(
      'read from b, the first of a | b this configuration declares (passed over a: gone)',
    );
    expect(describeAlternative({ path: 'c', alternatives: { paths: ['a', 'b', 'c'], passedOver: [{ path: 'a', reason: 'x' }, { path: 'b', reason: 'y' }] } })).toBe(
      'read from c, the first of a | b | c this configuration declares (passed over a: x; b: y)',
    );
    expect(describeAlternative({ path: 'a', alternatives: { paths: ['a', 'b'], passedOver: [] } })).toBe('read from a, the first of a | b this configuration declares');
  });

  it('nothing to say without alternatives, or when none was declared', () => {
    expect(describeAlternative({ path: 'a' })).toBeUndefined();
    expect(describeAlternative({ path: 'a | b', alternatives: { paths: ['a', 'b'], passedOver: [{ path: 'a', reason: 'x' }, { path: 'b', reason: 'y' }] } })).toBeUndefined();
  });
});
