import { describe, expect, it } from 'vitest';
import { asNumber, describeMatchers, match, matcherProblems, normalizeNumeric, pickMatchers, type MatcherSpec, type Observed } from '../../src/match/matchers.js';

const v = (value: unknown, type: string | null = null): Observed => ({ kind: 'value', exists: true, value, type });
const absent: Observed = { kind: 'value', exists: false, value: null, type: null };
const pass = (spec: MatcherSpec, o: Observed, numericStrings = false) => match(spec, o, { numericStrings }).pass;
const reason = (spec: MatcherSpec, o: Observed, numericStrings = false) => match(spec, o, { numericStrings }).reason;

describe('matchers', () => {
  it('equals is deep and ignores attribute order', () => {
    expect(pass({ equals: { a: [1, { b: 2 }], c: 'x' } }, v({ c: 'x', a: [1, { b: 2 }] }))).toBe(true);
    expect(pass({ equals: { a: [1, 2] } }, v({ a: [2, 1] }))).toBe(false);
    expect(pass({ equals: 1 }, v('1'))).toBe(false);
  });

  it('compares sysctl-style values numerically only when asked', () => {
    expect(pass({ equals: 2 }, v('2'), true)).toBe(true);
    expect(pass({ equals: 1 }, v(true), true)).toBe(true);
    expect(pass({ equals: 0 }, v(false), true)).toBe(true);
    expect(pass({ equals: 2 }, v('2'))).toBe(false);
  });

  it('numeric comparisons accept numeric strings', () => {
    expect(pass({ gte: 1 }, v('2'))).toBe(true);
    expect(pass({ gt: '1' }, v(2))).toBe(true);
    expect(pass({ lt: 4, gte: 1 }, v(3))).toBe(true);
    expect(pass({ lte: 4 }, v(5))).toBe(false);
    expect(pass({ gte: 1 }, v('two'))).toBe(false);
  });

  it('oneOf, contains, containsAll, matches, length, type', () => {
    expect(pass({ oneOf: ['no', 'prohibit-password'] }, v('no'))).toBe(true);
    expect(pass({ oneOf: ['no'] }, v('yes'))).toBe(false);
    expect(pass({ contains: 'lockdown=integrity' }, v(['quiet', 'lockdown=integrity']))).toBe(true);
    expect(pass({ contains: 'wa' }, v('-w /etc/passwd -p wa'))).toBe(true);
    expect(pass({ containsAll: ['a', 'b'] }, v(['b', 'c', 'a']))).toBe(true);
    expect(match({ containsAll: ['a', 'z'] }, v(['a'])).reason).toBe('missing ["z"]');
    expect(pass({ matches: '^PCI:\\d+:\\d+:\\d+$' }, v('PCI:1:0:0'))).toBe(true);
    expect(pass({ matches: '1' }, v(1))).toBe(false);
    expect(pass({ length: 3 }, v([1, 2, 3]))).toBe(true);
    expect(pass({ length: { gte: 2 } }, v({ a: 1, b: 2 }))).toBe(true);
    expect(pass({ type: 'int' }, v(3, 'int'))).toBe(true);
    expect(pass({ type: 'attrs' }, v({}, 'set'))).toBe(true);
    expect(pass({ type: 'derivation' }, v('/nix/store/x', 'derivation'))).toBe(true);
    expect(pass({ type: 'string' }, v('/nix/store/x', 'derivation'))).toBe(false);
    // A path arrives as a string (never copied to the store), typed by the engine.
    expect(pass({ type: 'path' }, v('/etc/nixos/x.nix', 'path'))).toBe(true);
    expect(pass({ type: 'string' }, v('/etc/nixos/x.nix', 'path'))).toBe(false);
    expect(pass({ type: 'path' }, v('/etc/nixos/x.nix', 'string'))).toBe(false);
  });

  it('exists, absent and not', () => {
    expect(pass({ absent: true }, absent)).toBe(true);
    expect(pass({ exists: false }, absent)).toBe(true);
    expect(pass({ exists: true }, absent)).toBe(false);
    expect(pass({ absent: true }, v(1))).toBe(false);
    expect(pass({ equals: 1 }, absent)).toBe(false);
    expect(pass({ not: { equals: 'yes' } }, v('no'))).toBe(true);
    expect(pass({ not: { containsAll: ['lockdown=confidentiality', 'lockdown=integrity'] } }, v(['lockdown=confidentiality', 'lockdown=integrity']))).toBe(false);
    expect(pass({ not: { exists: true } }, absent)).toBe(true);
  });

  it('throws passes only for a matching error', () => {
    const err: Observed = { kind: 'error', error: 'error: Failed assertions:\n- PermitRootLogin must not be "yes"' };
    expect(pass({ throws: 'PermitRootLogin' }, err)).toBe(true);
    expect(match({ throws: 'sandbox' }, err).reason).toMatch(/does not match/);
    expect(match({ throws: 'x' }, v(1)).reason).toMatch(/succeeded/);
    expect(pass({ equals: 1 }, err)).toBe(false);
    // With a --show-trace text, the trace's context counts.
    const traced: Observed = { kind: 'error', error: 'error: boom', trace: "error: boom\n\n       … while evaluating the option `services.x.port':" };
    expect(pass({ throws: "while evaluating the option `services.x.port'" }, traced)).toBe(true);
  });

  it('describes expectations in words', () => {
    expect(describeMatchers({ gte: 1, lte: 2 })).toBe('>= 1 and <= 2');
    expect(describeMatchers({ not: { equals: 'yes' } })).toBe('not (equals "yes")');
  });
});

describe('each matcher on its own', () => {
  it('equals and oneOf say what was expected', () => {
    expect(match({ equals: 'no' }, v('yes'))).toEqual({ pass: false, reason: 'expected "no"' });
    expect(match({ oneOf: ['no', 'prohibit-password'] }, v('yes'))).toEqual({ pass: false, reason: 'expected one of ["no","prohibit-password"]' });
    expect(match({ equals: null }, v(null))).toEqual({ pass: true });
    expect(pass({ equals: false }, v(true))).toBe(false);
    expect(pass({ oneOf: [] }, v('x'))).toBe(false);
  });

  it('contains: an equal element of a list, or a substring of a string; nothing else contains', () => {
    expect(pass({ contains: { a: 1 } }, v([{ a: 1 }, 2]))).toBe(true);
    expect(pass({ contains: 'b' }, v(['abc']))).toBe(false);
    expect(pass({ contains: 'x' }, v('abc'))).toBe(false);
    expect(pass({ contains: 1 }, v('a1'))).toBe(false);
    expect(pass({ contains: 1 }, v(1))).toBe(false);
    expect(pass({ contains: 'a' }, v({ a: 1 }))).toBe(false);
    expect(reason({ contains: 'x' }, v(['a']))).toBe('expected it to contain "x"');
    expect(pass({ containsAll: [] }, v([]))).toBe(true);
    expect(reason({ containsAll: ['a', 'b', 'c'] }, v(['b']))).toBe('missing ["a","c"]');
  });

  it('containsMatch: a string element, or the string itself, matching anywhere', () => {
    expect(pass({ containsMatch: '^-w /etc/shadow' }, v(['-a always', '-w /etc/shadow -p wa']))).toBe(true);
    expect(pass({ containsMatch: '^1$' }, v([1, '2']))).toBe(false);
    expect(pass({ containsMatch: 'shadow' }, v('-w /etc/shadow'))).toBe(true);
    expect(pass({ containsMatch: 'shadow' }, v('-w /etc/passwd'))).toBe(false);
    expect(pass({ containsMatch: '1' }, v(1))).toBe(false);
    expect(pass({ containsMatch: 'a' }, v({ a: 'a' }))).toBe(false);
    expect(reason({ containsMatch: 'x+' }, v(['a']))).toBe('expected an element matching /x+/');
  });

  it('matches: only a string, anywhere in it', () => {
    expect(pass({ matches: 'b' }, v('abc'))).toBe(true);
    expect(pass({ matches: 'b' }, v(['b']))).toBe(false);
    expect(reason({ matches: '^a$' }, v('b'))).toBe('expected a string matching /^a$/');
  });

  it('bounds include or exclude the bound as their names say', () => {
    expect(pass({ gt: 2 }, v(2))).toBe(false);
    expect(pass({ gt: 2 }, v(3))).toBe(true);
    expect(pass({ gte: 2 }, v(2))).toBe(true);
    expect(pass({ gte: 2 }, v(1))).toBe(false);
    expect(pass({ lt: 2 }, v(2))).toBe(false);
    expect(pass({ lt: 2 }, v(1))).toBe(true);
    expect(pass({ lte: 2 }, v(2))).toBe(true);
    expect(pass({ lte: 2 }, v(3))).toBe(false);
    expect(pass({ gte: 0 }, v(0))).toBe(true);
    expect(pass({ lte: 0 }, v(1))).toBe(false);
  });

  it('bounds say why they failed: no number, or which bound', () => {
    expect(reason({ gt: 5 }, v(1))).toBe('expected > 5');
    expect(reason({ gte: 5 }, v(1))).toBe('expected >= 5');
    expect(reason({ lt: 0 }, v(1))).toBe('expected < 0');
    expect(reason({ lte: 0 }, v(1))).toBe('expected <= 0');
    expect(reason({ gte: 1 }, v('many'))).toBe('expected a number');
    expect(reason({ gte: 1 }, v(null))).toBe('expected a number');
    // A bound that is no number fails rather than compare with NaN.
    expect(match({ gte: 'one' }, v(2))).toEqual({ pass: false, reason: 'expected >= one' });
  });

  it('several failed matchers give every reason, in order', () => {
    expect(reason({ equals: 1, gte: 5, type: 'string' }, v(2, 'int'))).toBe('expected 1; expected >= 5; expected type string, got int');
  });
});

describe('types', () => {
  const typeOf = (value: unknown, nixType: string | null) => reason({ type: '?' }, v(value, nixType));

  it("is Nix's type when the engine says it: a float 3.0 arriving as JSON 3 is still a float", () => {
    expect(pass({ type: 'float' }, v(3, 'float'))).toBe(true);
    expect(pass({ type: 'int' }, v(3, 'float'))).toBe(false);
    for (const t of ['bool', 'int', 'float', 'string', 'list', 'null', 'path', 'function', 'derivation']) {
      // Whatever the JSON value looks like.
      expect(typeOf({ odd: true }, t)).toBe(`expected type ?, got ${t}`);
    }
    expect(typeOf([], 'set')).toBe('expected type ?, got attrs');
  });

  it('is read from the JSON value when the engine gives no type (or one it does not name)', () => {
    expect(typeOf(null, null)).toBe('expected type ?, got null');
    expect(typeOf([1], null)).toBe('expected type ?, got list');
    expect(typeOf(false, null)).toBe('expected type ?, got bool');
    expect(typeOf(3, null)).toBe('expected type ?, got int');
    expect(typeOf(3.5, null)).toBe('expected type ?, got float');
    expect(typeOf('x', null)).toBe('expected type ?, got string');
    expect(typeOf({}, null)).toBe('expected type ?, got attrs');
    expect(typeOf(3, 'lambda')).toBe('expected type ?, got int');
  });
});

describe('length', () => {
  it('is the size of a list, a string or an attribute set', () => {
    expect(pass({ length: 2 }, v('ab'))).toBe(true);
    expect(pass({ length: 2 }, v({ a: 1, b: 2 }))).toBe(true);
    expect(pass({ length: 0 }, v([]))).toBe(true);
    expect(match({ length: 2 }, v([1, 2, 3]))).toEqual({ pass: false, reason: 'length 3, expected equals 2' });
    expect(match({ length: { gte: 4 } }, v('abc'))).toEqual({ pass: false, reason: 'length 3, expected >= 4' });
  });

  it('anything else has no length', () => {
    for (const x of [3, null, true]) expect(match({ length: 0 }, v(x))).toEqual({ pass: false, reason: 'expected a list, string or attribute set' });
    // Not even one a negated matcher would accept.
    expect(match({ length: { not: { equals: 1 } } }, v(3))).toEqual({ pass: false, reason: 'expected a list, string or attribute set' });
  });

  it('is compared as a plain number, even under numeric comparison', () => {
    expect(pass({ length: { equals: '2' } }, v([1, 2]), true)).toBe(false);
  });
});

describe('presence', () => {
  it('exists and absent, both ways', () => {
    expect(match({ exists: true }, absent)).toEqual({ pass: false, reason: 'the path does not exist' });
    expect(match({ absent: false }, absent)).toEqual({ pass: false, reason: 'the path does not exist' });
    expect(match({ exists: true }, v(0))).toEqual({ pass: true });
    expect(match({ absent: false }, v(0))).toEqual({ pass: true });
    expect(match({ exists: false }, v(0))).toEqual({ pass: false, reason: 'the path exists' });
    expect(match({ absent: true }, v(0))).toEqual({ pass: false, reason: 'the path exists' });
    expect(match({}, v(0))).toEqual({ pass: true });
    expect(match({}, absent)).toEqual({ pass: false, reason: 'the path does not exist' });
  });

  it('not, on a path that does not exist: negates its inner matcher only when it stands alone', () => {
    expect(match({ not: { equals: 'yes' } }, absent)).toEqual({ pass: true });
    expect(match({ not: { absent: true } }, absent)).toEqual({ pass: false, reason: 'not (is absent)' });
    expect(match({ not: { equals: 'yes' }, type: 'string' }, absent)).toEqual({ pass: false, reason: 'the path does not exist' });
  });

  it('not, on a value: fails when its inner matchers pass', () => {
    expect(match({ not: { equals: 'yes' } }, v('yes'))).toEqual({ pass: false, reason: 'expected not (equals "yes")' });
    expect(match({ not: { absent: true } }, v(1))).toEqual({ pass: true });
    // Numeric comparison reaches inside `not`.
    expect(pass({ not: { equals: 2 } }, v('2'), true)).toBe(false);
  });
});

describe('numeric comparison (sysctl values)', () => {
  it('applies to the expected values as well as the value', () => {
    expect(pass({ equals: '2' }, v(2), true)).toBe(true);
    expect(pass({ oneOf: ['0', '1'] }, v(true), true)).toBe(true);
    expect(pass({ oneOf: ['0', '1'] }, v(true))).toBe(false);
    expect(pass({ equals: 'yes' }, v('yes'), true)).toBe(true);
  });

  it('does not change what regular expressions see', () => {
    expect(pass({ matches: '^true$' }, v(true), true)).toBe(false);
    expect(pass({ containsMatch: '^1$' }, v(true), true)).toBe(false);
    expect(pass({ type: 'bool' }, v(true), true)).toBe(true);
  });
});

describe('errors', () => {
  it('a value where an error was expected: that it succeeded, or that nothing was there to fail', () => {
    expect(match({ throws: 'x' }, v(1))).toEqual({ pass: false, reason: 'evaluation succeeded, but an error was expected' });
    expect(match({ throws: 'x' }, absent)).toEqual({ pass: false, reason: 'the path does not exist, so nothing failed' });
  });

  it('an error where a value was expected fails as such', () => {
    expect(match({ equals: 1 }, { kind: 'error', error: 'error: x' })).toEqual({ pass: false, reason: 'evaluation failed' });
    expect(match({}, { kind: 'error', error: 'error: x' })).toEqual({ pass: false, reason: 'evaluation failed' });
    expect(match({ throws: 'nomatch' }, { kind: 'error', error: 'error: x' })).toEqual({ pass: false, reason: 'the error does not match /nomatch/' });
  });
});

describe('describeMatchers', () => {
  it('names every matcher', () => {
    const cases: [MatcherSpec, string][] = [
      [{ equals: null }, 'equals null'],
      [{ equals: false }, 'equals false'],
      [{ oneOf: ['a', 1] }, 'one of ["a",1]'],
      [{ oneOf: [] }, 'one of []'],
      [{ contains: 0 }, 'contains 0'],
      [{ containsAll: ['a'] }, 'contains all of ["a"]'],
      [{ containsMatch: '^x' }, 'has an element matching /^x/'],
      [{ containsMatch: '' }, 'has an element matching //'],
      [{ matches: 'a|b' }, 'matches /a|b/'],
      [{ matches: '' }, 'matches //'],
      [{ gt: 0 }, '> 0'],
      [{ gte: '1' }, '>= 1'],
      [{ lt: 0 }, '< 0'],
      [{ lte: 9 }, '<= 9'],
      [{ type: 'int' }, 'of type int'],
      [{ type: '' }, 'of type '],
      [{ exists: true }, 'exists'],
      [{ exists: false }, 'is absent'],
      [{ absent: true }, 'is absent'],
      [{ absent: false }, 'exists'],
      [{ length: 0 }, 'length 0'],
      [{ length: { lte: 3 } }, 'length <= 3'],
      [{ throws: 'bad' }, 'evaluation fails with an error matching /bad/'],
      [{ throws: '' }, 'evaluation fails with an error matching //'],
      [{}, 'evaluates without error'],
    ];
    for (const [spec, words] of cases) expect(describeMatchers(spec)).toBe(words);
  });

  it('joins several in a fixed order', () => {
    expect(describeMatchers({ not: { exists: true }, equals: 1, type: 'int' })).toBe('equals 1 and of type int and not (exists)');
  });
});

describe('pickMatchers', () => {
  it('keeps the matcher keys of a case, whatever their values, and nothing else', () => {
    expect(pickMatchers({ name: 'n', path: 'a.b', equals: false, exists: false, not: { equals: 0 }, skip: 'why' })).toEqual({ equals: false, exists: false, not: { equals: 0 } });
    expect(pickMatchers({ equals: undefined })).toEqual({ equals: undefined });
    expect('equals' in pickMatchers({ equals: undefined })).toBe(true);
    expect(pickMatchers({})).toEqual({});
    expect(Object.keys(pickMatchers({ name: 'n', gte: 1, throws: 'x' }))).toEqual(['gte', 'throws']);
  });
});

describe('numbers', () => {
  it('asNumber reads a number, or a string that is one number and nothing else', () => {
    expect(asNumber(2)).toBe(2);
    expect(asNumber('2')).toBe(2);
    expect(asNumber(' -2.5 ')).toBe(-2.5);
    expect(asNumber('10')).toBe(10);
    expect(asNumber('2.55')).toBe(2.55);
    for (const s of ['v2', '2v', '', ' ', '2.', '.5', '1e3', '--2', '2 3', '0x10']) expect(asNumber(s)).toBeUndefined();
    expect(asNumber(true)).toBeUndefined();
    expect(asNumber(null)).toBeUndefined();
  });

  it('normalizeNumeric: booleans as 0 and 1, numeric strings as numbers, the rest unchanged', () => {
    expect(normalizeNumeric(true)).toBe(1);
    expect(normalizeNumeric(false)).toBe(0);
    expect(normalizeNumeric('3')).toBe(3);
    expect(normalizeNumeric('on')).toBe('on');
    expect(normalizeNumeric(null)).toBe(null);
    expect(normalizeNumeric([1])).toEqual([1]);
  });
});

describe('matcherProblems', () => {
  const BAD = '(?=x)';
  it('refuses every regular expression that does not compile, naming where it sits', () => {
    const problems = matcherProblems({ matches: BAD, containsMatch: BAD, throws: BAD });
    expect(problems.map((p) => p.path)).toEqual([['matches'], ['containsMatch'], ['throws']]);
    for (const p of problems) expect(p.message).toMatch(new RegExp(`^${p.path[0]} is not a regular expression nixcheck can run: `));
  });

  it('looks inside not and length, however deep', () => {
    const problems = matcherProblems({ not: { matches: BAD, not: { gte: 'x' } }, length: { lte: 'y' } });
    expect(problems.map((p) => [p.path.join('.'), p.message.split(' is ')[0]])).toEqual([
      ['not.matches', 'not.matches'],
      ['not.not.gte', 'not.not.gte expects a number (or a string holding one), got "x"'],
      ['length.lte', 'length.lte expects a number (or a string holding one), got "y"'],
    ]);
    expect(matcherProblems({ length: 2 }, ['checks', '0'])).toEqual([]);
  });

  it('refuses bounds that are not numbers, and accepts those that are', () => {
    expect(matcherProblems({ gt: 'one' })).toEqual([{ path: ['gt'], message: 'gt expects a number (or a string holding one), got "one"' }]);
    expect(matcherProblems({ gte: Number.NaN })).toEqual([{ path: ['gte'], message: 'gte expects a number (or a string holding one), got null' }]);
    expect(matcherProblems({ lt: '3' }, ['x'])).toEqual([]);
    expect(matcherProblems({ lte: true as unknown as number })).toEqual([{ path: ['lte'], message: 'lte expects a number (or a string holding one), got true' }]);
    expect(matcherProblems({ gt: 1, gte: 2, lt: 3, lte: 4, matches: 'a', containsMatch: 'b', throws: 'c' })).toEqual([]);
  });

  it('prefixes the paths it is given', () => {
    expect(matcherProblems({ matches: BAD }, ['checks', '2']).map((p) => [p.path, p.message.split(' is ')[0]])).toEqual([[['checks', '2', 'matches'], 'checks.2.matches']]);
  });
});
