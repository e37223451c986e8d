/** A control's verdict from its checks' results, in process. */
import { describe, expect, it } from 'vitest';
import { controlVerdict, judgeCheck } from '../../src/compliance/control-verdict.js';
import type { CheckResult } from '../../src/compliance/evaluate-controls.js';
import type { Check, Control, DecisionCheck, PathCheck } from '../../src/compliance/types.js';
import type { ItemOutcome } from '../../src/nix/request.js';
import type { Evidence } from '../../src/result/model.js';

const at = { file: 'c.yaml', line: 1, column: 1 };
const check = (path: string, more: Partial<PathCheck> = {}): PathCheck => ({ kind: 'path', path, attrPath: path.split('.'), matchers: { equals: true }, location: at, ...more });
const value = (v: unknown, more: Partial<Extract<ItemOutcome, { status: 'value' }>> = {}): ItemOutcome => ({ status: 'value', exists: true, value: v, type: null, evidence: null, declared: true, ...more });
const missing = (declared: boolean | null): ItemOutcome => value(null, { exists: false, declared });
const failed: ItemOutcome = { status: 'error', error: 'error: boom\n  at x.nix:1:1', reason: 'throw' };
const EVIDENCE: Evidence = { option: 'a', isDefined: true, source: 'upstream', definitions: [], overridden: [], declarations: [] };

describe('judgeCheck', () => {
  it('a value that passes or fails its matchers, with where it came from', () => {
    expect(judgeCheck(check('a'), value(true), EVIDENCE)).toEqual({ path: 'a', location: at, status: 'pass', exists: true, value: true, valueSource: 'upstream', evidence: EVIDENCE });
    expect(judgeCheck(check('a'), value(false), undefined)).toEqual({ path: 'a', location: at, status: 'fail', exists: true, value: false, valueSource: 'unknown', reason: 'expected true' });
  });

  it('an evaluation error is an error result', () => {
    expect(judgeCheck(check('a'), failed, EVIDENCE)).toEqual({ path: 'a', location: at, status: 'error', exists: false, valueSource: 'unknown', error: failed.status === 'error' ? failed.error : '', reason: 'evaluation failed' });
  });

  it('no option declared: an error, or a vacuous pass for an ifDeclared check', () => {
    for (const declared of [false, null]) {
      expect(judgeCheck(check('a.b'), missing(declared), undefined)).toEqual({
        path: 'a.b',
        location: at,
        status: 'error',
        exists: false,
        valueSource: 'unknown',
        reason: 'no such option',
        error: 'no option is declared at a.b in this configuration',
      });
      expect(judgeCheck(check('a.b', { ifDeclared: true }), missing(declared), undefined)).toEqual({
        path: 'a.b',
        location: at,
        status: 'pass',
        exists: false,
        valueSource: 'undeclared',
        reason: 'no option is declared at a.b in this configuration; the check applies only where it is',
      });
    }
  });

  it('a key missing inside a declared option: judged as absent, or by its documented default', () => {
    expect(judgeCheck(check('a', { matchers: { absent: true } }), missing(true), undefined)).toEqual({ path: 'a', location: at, status: 'pass', exists: false, valueSource: 'unknown' });
    expect(judgeCheck(check('a'), missing(true), undefined)).toMatchObject({ status: 'fail', reason: 'the path does not exist' });
    expect(judgeCheck(check('a'), missing(true), undefined)).not.toHaveProperty('value');
    const documented = check('a', { whenAbsent: { value: true, note: 'kernel default' } });
    expect(judgeCheck(documented, missing(true), EVIDENCE)).toEqual({ path: 'a', location: at, status: 'pass', exists: false, value: true, valueSource: 'documented-default', note: 'kernel default', evidence: EVIDENCE });
    // A value that exists is judged as it is, whatever the documented default.
    expect(judgeCheck(documented, value(false), undefined)).toMatchObject({ status: 'fail', value: false, valueSource: 'unknown' });
    expect(judgeCheck(documented, value(false), undefined)).not.toHaveProperty('note');
  });

  it('compares sysctl values as numbers', () => {
    const sysctl = check('s', { attrPath: ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'], matchers: { equals: 2 } });
    expect(judgeCheck(sysctl, value('2'), undefined).status).toBe('pass');
    expect(judgeCheck(check('s', { matchers: { equals: 2 } }), value('2'), undefined).status).toBe('fail');
  });

  it('a throws matcher fails on a value that was read, a documented default too', () => {
    const throws = check('a', { matchers: { throws: '' } });
    const succeeded = { status: 'fail', reason: 'evaluation succeeded, but an error was expected' };
    expect(judgeCheck(throws, value(true), undefined)).toMatchObject({ ...succeeded, value: true, valueSource: 'unknown' });
    expect(judgeCheck({ ...throws, whenAbsent: { value: 1, note: 'kernel default' } }, missing(true), undefined)).toMatchObject({ ...succeeded, value: 1, valueSource: 'documented-default' });
  });
});

/** Results by check, for controlVerdict. */
function results(...pairs: [DecisionCheck, Partial<CheckResult>][]): Map<DecisionCheck, CheckResult> {
  return new Map(pairs.map(([c, r]) => [c, { path: c.kind === 'path' ? c.path : 'alt', location: at, status: 'pass', exists: true, value: true, valueSource: 'user', ...r }]));
}
const control = (checks: Check[], appliesWhen: Check[] = [], more: Partial<Control> = {}) => ({ checks, appliesWhen, mode: 'static' as const, ...more });
const verdict = (c: ReturnType<typeof control>, map: Map<DecisionCheck, CheckResult>, applies: DecisionCheck[] = []) => {
  const own = (list: DecisionCheck[]) => list.map((x) => map.get(x)!);
  const decisions = [...map.keys()].filter((k) => !applies.includes(k));
  return controlVerdict(c, map, own(applies), own(decisions));
};
const anyOf = (...cs: Check[]): Check => ({ kind: 'anyOf', anyOf: cs, location: at });
const allOf = (...cs: Check[]): Check => ({ kind: 'allOf', allOf: cs, location: at });

describe('controlVerdict', () => {
  const [a, b, c] = [check('a'), check('b'), check('c')];

  it('passes when every check passes', () => {
    expect(verdict(control([a, b]), results([a, {}], [b, {}]))).toEqual({ status: 'pass' });
  });

  it('all: a failure beats an error, which beats a pass; the deciding check explains it', () => {
    expect(verdict(control([a, b, c]), results([a, {}], [b, { status: 'error', error: 'error: boom\nmore' }], [c, { status: 'fail', value: 0, reason: 'expected 1' }]))).toEqual({
      status: 'fail',
      message: 'c is 0: expected 1',
      decidedBy: { list: 'checks', index: 2 },
    });
    expect(verdict(control([a, b]), results([a, {}], [b, { status: 'error', error: 'error: boom\nmore' }]))).toEqual({ status: 'error', message: 'b: error: boom', decidedBy: { list: 'checks', index: 1 } });
  });

  it('a set of alternatives is decided as one check', () => {
    const alternatives: DecisionCheck = { kind: 'alternatives', alternatives: [check('old'), check('new')], location: at };
    expect(verdict(control([a, alternatives]), results([a, {}], [alternatives, { path: 'new', status: 'fail', reason: 'r' }]))).toEqual({
      status: 'fail',
      message: 'new is true: r',
      decidedBy: { list: 'checks', index: 1 },
    });
    expect(verdict(control([anyOf(alternatives, a)]), results([alternatives, { status: 'fail' }], [a, {}]))).toEqual({ status: 'pass' });
  });

  it('anyOf: any pass passes; otherwise an error beats a failure', () => {
    const tree = control([anyOf(a, b)]);
    expect(verdict(tree, results([a, { status: 'fail' }], [b, {}]))).toEqual({ status: 'pass' });
    expect(verdict(tree, results([a, { status: 'fail', reason: 'r' }], [b, { status: 'error', error: 'e' }]))).toEqual({ status: 'error', message: 'b: e', decidedBy: { list: 'checks', index: 1 } });
    expect(verdict(tree, results([a, { status: 'fail', reason: 'r' }], [b, { status: 'fail', reason: 's' }]))).toMatchObject({ status: 'fail', message: 'a is true: r', decidedBy: { list: 'checks', index: 0 } });
    expect(verdict(control([anyOf()]), results())).toEqual({ status: 'pass' });
  });

  it('nests: allOf inside anyOf, anyOf inside the checks', () => {
    const tree = control([anyOf(allOf(a, b), c)]);
    expect(verdict(tree, results([a, {}], [b, { status: 'fail', reason: 'r' }], [c, { status: 'fail', reason: 's' }]))).toMatchObject({ status: 'fail', decidedBy: { index: 1 } });
    expect(verdict(tree, results([a, {}], [b, {}], [c, { status: 'fail', reason: 's' }]))).toEqual({ status: 'pass' });
    expect(verdict(control([allOf(a), anyOf(b, c)]), results([a, {}], [b, { status: 'error', error: 'e' }], [c, { status: 'fail', reason: 's' }]))).toMatchObject({ status: 'error', decidedBy: { index: 1 } });
  });

  it('not applicable when an applicability check fails, listing every failing one', () => {
    const applies = [check('x'), check('y'), check('z')];
    const map = results([applies[0]!, { status: 'fail', reason: 'expected true' }], [applies[1]!, {}], [applies[2]!, { status: 'fail' }], [a, { status: 'fail' }]);
    expect(verdict(control([a], applies), map, applies)).toEqual({ status: 'not-applicable', message: 'does not apply: x expected true; z' });
  });

  it('an error deciding applicability is an error, located among the applicability checks', () => {
    const applies = [check('x'), check('y')];
    const map = results([applies[0]!, {}], [applies[1]!, { status: 'error', error: 'error: no' }], [a, {}]);
    expect(verdict(control([a], applies), map, applies)).toEqual({
      status: 'error',
      message: 'could not decide whether the control applies: y: error: no',
      decidedBy: { list: 'applicability', index: 1 },
    });
  });

  it('without static checks: manual, with what to review, or runtime-only', () => {
    expect(verdict(control([], [], { mode: 'manual', manualCheck: 'look at the racks' }), results())).toEqual({ status: 'manual', message: 'manual review: look at the racks' });
    expect(verdict(control([], [], { mode: 'runtime' }), results())).toEqual({ status: 'manual', message: 'runtime-only: run the VM checks to decide' });
    // Not applicable comes first.
    const x = check('x');
    expect(verdict(control([], [x], { mode: 'runtime' }), results([x, { status: 'fail' }]), [x])).toMatchObject({ status: 'not-applicable' });
  });

  it('says what a failing value was: not set, a documented default, cut when long', () => {
    expect(verdict(control([a]), results([a, { status: 'fail', exists: false, value: undefined }]))).toMatchObject({ message: 'a is not set: check failed' });
    expect(verdict(control([a]), results([a, { status: 'fail', exists: false, value: 0, valueSource: 'documented-default', note: 'kernel default', reason: 'r' }]))).toMatchObject({
      message: 'a is 0 (kernel default): r',
    });
    expect(verdict(control([a]), results([a, { status: 'fail', exists: false, value: 0, valueSource: 'documented-default', reason: 'r' }]))).toMatchObject({ message: 'a is 0 (documented default): r' });
    const long = 'x'.repeat(500);
    expect(verdict(control([a]), results([a, { status: 'fail', value: long, reason: 'r' }])).message).toBe(`a is "${'x'.repeat(119)}…: r`);
    expect(verdict(control([a]), results([a, { status: 'error' }])).message).toBe('a: evaluation failed');
  });
});
