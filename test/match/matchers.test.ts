import { describe, expect, it } from 'vitest';
import { describeMatchers, match, type MatcherSpec, type Observed } from '../../src/match/matchers.js';

const v = (value: unknown, type: string | null = null): Observed => ({ kind: 'value', exists: true, value, type });
const absent: Observed = { kind: 'value', exists: false, value: null, type: null };
const pass = (spec: MatcherSpec, o: Observed, numericStrings = false) => match(spec, o, { numericStrings }).pass;

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
