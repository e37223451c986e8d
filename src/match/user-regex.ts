/**
 * Regular expressions written by users (suites, controls, waivers, VM test expectations)
 * run on RE2's semantics (re2js): matching takes time linear in the input, so no pattern
 * can hang a run the way `^(a+)+$` does in a backtracking engine. RE2 has no lookaround
 * and no backreferences; such a pattern is refused when the file is loaded.
 */
import { RE2JS } from 're2js';

export interface UserRegex {
  readonly source: string;
  /** Whether the pattern matches anywhere in `text` (like RegExp.prototype.test). */
  test(text: string): boolean;
}

/** Compile a pattern that passed `userRegexProblem` (else this throws its message). */
export function compileUserRegex(source: string): UserRegex {
  const re = compile(source);
  if (typeof re === 'string') throw new Error(re);
  return { source, test: (text) => re.test(text) };
}

/** Why `source` is not a regex nixcheck can run, or undefined when it is. */
export function userRegexProblem(source: string): string | undefined {
  const re = compile(source);
  return typeof re === 'string' ? re : undefined;
}

/**
 * The compiled RE2 program of a pattern, as data, for a matcher outside this process (the
 * chaos probes' Python in the VM test driver, which must not use Python's backtracking
 * `re`). Each instruction is [op, out, arg, ranges]: ranges lists inclusive [lo, hi] code
 * point pairs a rune instruction accepts, case folding already expanded.
 */
export interface RegexProgram {
  start: number;
  inst: [op: number, out: number, arg: number, ranges: number[]][];
}

interface Re2Inst {
  op: number;
  out: number;
  arg: number;
  runes: Int32Array;
  matchRune(r: number): boolean;
}

const RUNE = 8;
const RUNE1 = 9;
const FOLD_CASE = 1;
/** Every character with a case lies below this (the last, Adlam, ends at U+1E943). */
const LAST_CASED = 0x1ffff;
const orbits = new Map<number, number[]>();

export function regexProgram(source: string): RegexProgram {
  const re = compile(source);
  if (typeof re === 'string') throw new Error(re);
  // re2js keeps its compiled program on the RE2 object: the same one its own matcher runs.
  const prog = (re as unknown as { re2Input: { prog: { start: number; inst: Re2Inst[] } } }).re2Input.prog;
  return {
    start: prog.start,
    inst: prog.inst.map((i) => [i.op, i.out, i.arg, i.op === RUNE || i.op === RUNE1 ? runeRanges(i) : []]),
  };
}

/** A rune instruction's accepted code points as ranges; a case-folded single rune becomes its whole fold orbit. */
function runeRanges(inst: Re2Inst): number[] {
  const runes = [...inst.runes];
  if (!(runes.length === 1 && (inst.arg & FOLD_CASE) !== 0)) return runes.length === 1 ? [runes[0]!, runes[0]!] : runes;
  let orbit = orbits.get(runes[0]!);
  if (!orbit) {
    orbit = [];
    for (let c = 0; c <= LAST_CASED; c++) if (inst.matchRune(c)) orbit.push(c, c);
    orbits.set(runes[0]!, orbit);
  }
  return orbit;
}

/** Each pattern compiled once per process: loading checks it, matching runs it, and suites repeat patterns. */
const compiled = new Map<string, RE2JS | string>();

function compile(source: string): RE2JS | string {
  let re = compiled.get(source);
  if (re === undefined) {
    re = compileOnce(source);
    compiled.set(source, re);
  }
  return re;
}

function compileOnce(source: string): RE2JS | string {
  try {
    return RE2JS.compile(source);
  } catch (err) {
    const e = err as Error & { getDescription?: () => string; getPattern?: () => string | null };
    const fragment = e.getPattern?.();
    const at = fragment ? source.indexOf(fragment) : -1;
    const where = fragment ? ` \`${fragment}\`${at >= 0 ? ` at character ${at + 1}` : ''}` : '';
    return `not a regular expression nixcheck can run: ${e.getDescription?.() ?? e.message}${where} (RE2 syntax: no lookaround or backreferences, so matching takes linear time)`;
  }
}
