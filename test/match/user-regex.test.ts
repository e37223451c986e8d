import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileUserRegex, regexProgram, userRegexProblem } from '../../src/match/user-regex.js';
import { PYTHON_REGEX_SEARCH } from '../../src/vm/driver/python-regex.js';

/** Run the driver-side matcher (python3, as the NixOS test driver does) on many cases at once. */
function pythonSearch(cases: { pattern: string; text: string }[]): boolean[] {
  const script = [...PYTHON_REGEX_SEARCH, '', 'import json, sys', 'cases = json.load(sys.stdin)', 'print(json.dumps([_nc_regex_search(c["program"], c["text"]) for c in cases]))'].join('\n');
  const input = JSON.stringify(cases.map((c) => ({ program: regexProgram(c.pattern), text: c.text })));
  return JSON.parse(execFileSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }));
}

/** Small regexes over a small alphabet, with anchors, word boundaries, classes, flags and nesting. */
const atom: fc.Arbitrary<string> = fc.constantFrom('a', 'b', 'k', 'K', '_', '1', ' ', '\\n', '.', '[ab]', '[^a]', '\\d', '\\w', '\\s', '\\b', '\\B', '^', '$', '\\A', '\\z', '[[:alpha:]]', '\\pL', 'é');
const regex: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => `${x}${y}`),
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => `(?:${x}|${y})`),
    fc.tuple(tie('re'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '*?', '+?')).map(([x, q]) => `(?:${x})${q}`),
    fc.tuple(fc.constantFrom('(?i)', '(?m)', '(?s)', '(?im)'), tie('re')).map(([f, x]) => `${f}${x}`),
  ),
})).re;
const text = fc.string({ unit: fc.constantFrom('a', 'b', 'k', 'K', '\u212a', '_', '1', ' ', '\n', 'é', 'É'), maxLength: 12 });

describe('user regexes', () => {
  it('run in linear time: nested quantifiers do not backtrack', () => {
    expect(compileUserRegex('^(a+)+$').test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(compileUserRegex('^(a|aa)+$').test('a'.repeat(100_000))).toBe(true);
  });

  it('say where and why a pattern RE2 cannot run is refused', () => {
    expect(userRegexProblem('ab(?=c)')).toMatch(/invalid or unsupported Perl syntax `\(\?=` at character 3 \(RE2 syntax: no lookaround or backreferences/);
    expect(userRegexProblem('(a)\\1')).toMatch(/invalid escape sequence `\\1` at character 4/);
    expect(userRegexProblem('[a-')).toMatch(/missing closing \]/);
    expect(userRegexProblem('^(a+)+$')).toBeUndefined();
  });

  it('the driver-side Python matcher agrees with nixcheck on 2,000 generated patterns and texts', () => {
    const cases = fc.sample(fc.record({ pattern: regex, text }), { numRuns: 2_000, seed: 42 }).filter((c) => !userRegexProblem(c.pattern));
    expect(cases.length).toBeGreaterThan(1_500);
    const python = pythonSearch(cases);
    const mismatches = cases.filter((c, i) => python[i] !== compileUserRegex(c.pattern).test(c.text));
    expect(mismatches.slice(0, 5)).toEqual([]);
    // Both outcomes are well represented, so agreement means something.
    const matched = python.filter(Boolean).length;
    expect(Math.min(matched, python.length - matched)).toBeGreaterThan(python.length / 5);
  });

  it('the driver-side Python matcher runs a catastrophic pattern in linear time', () => {
    expect(pythonSearch([{ pattern: '^(a+)+$', text: `${'a'.repeat(3_000)}!` }, { pattern: '(?i)^(k|kk)+$', text: 'Kk\u212a'.repeat(1_000) }])).toEqual([false, true]);
  });
});
