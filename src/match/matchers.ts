/**
 * Matchers: assertions on one evaluated value. Shared by suites and compliance checks.
 * Every matcher explains itself in words for reports (`describe`) and checks a value.
 */
import { deepEqual } from './deep-equal.js';
import { compileUserRegex, userRegexProblem } from './user-regex.js';
import { throwsText } from './throws-text.js';

export interface MatcherSpec {
  equals?: unknown;
  oneOf?: unknown[];
  contains?: unknown;
  containsAll?: unknown[];
  /** A list has a string element matching this regex (or a string value matches it). */
  containsMatch?: string;
  matches?: string;
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
  type?: string;
  exists?: boolean;
  absent?: boolean;
  length?: number | MatcherSpec;
  not?: MatcherSpec;
  throws?: string;
}

export const MATCHER_KEYS = [
  'equals', 'oneOf', 'contains', 'containsAll', 'containsMatch', 'matches', 'gt', 'gte', 'lt', 'lte',
  'type', 'exists', 'absent', 'length', 'not', 'throws',
] as const satisfies readonly (keyof MatcherSpec)[];

/** What evaluation produced for one path. */
export type Observed =
  | { kind: 'value'; exists: boolean; value: unknown; type: string | null }
  | { kind: 'error'; error: string; trace?: string };

export interface MatchOutcome {
  pass: boolean;
  /** Why it failed, in words, when it did. */
  reason?: string;
}

export interface MatchOptions {
  /** Compare numeric strings and booleans as numbers (sysctl values arrive as int, "2" or true). */
  numericStrings?: boolean;
}

export function pickMatchers(source: Record<string, unknown>): MatcherSpec {
  const spec: Record<string, unknown> = {};
  for (const key of MATCHER_KEYS) if (key in source) spec[key] = source[key];
  return spec as MatcherSpec;
}

export function describeMatchers(spec: MatcherSpec): string {
  const parts: string[] = [];
  const j = (v: unknown) => JSON.stringify(v);
  if ('equals' in spec) parts.push(`equals ${j(spec.equals)}`);
  if (spec.oneOf) parts.push(`one of ${j(spec.oneOf)}`);
  if ('contains' in spec) parts.push(`contains ${j(spec.contains)}`);
  if (spec.containsAll) parts.push(`contains all of ${j(spec.containsAll)}`);
  if (spec.containsMatch !== undefined) parts.push(`has an element matching /${spec.containsMatch}/`);
  if (spec.matches !== undefined) parts.push(`matches /${spec.matches}/`);
  if (spec.gt !== undefined) parts.push(`> ${spec.gt}`);
  if (spec.gte !== undefined) parts.push(`>= ${spec.gte}`);
  if (spec.lt !== undefined) parts.push(`< ${spec.lt}`);
  if (spec.lte !== undefined) parts.push(`<= ${spec.lte}`);
  if (spec.type !== undefined) parts.push(`of type ${spec.type}`);
  if (spec.exists !== undefined) parts.push(spec.exists ? 'exists' : 'is absent');
  if (spec.absent !== undefined) parts.push(spec.absent ? 'is absent' : 'exists');
  if (spec.length !== undefined) parts.push(`length ${typeof spec.length === 'number' ? spec.length : describeMatchers(spec.length)}`);
  if (spec.not) parts.push(`not (${describeMatchers(spec.not)})`);
  if (spec.throws !== undefined) parts.push(`evaluation fails with an error matching /${spec.throws}/`);
  return parts.length === 0 ? 'evaluates without error' : parts.join(' and ');
}

/** Check an observation against every matcher in `spec`. */
export function match(spec: MatcherSpec, observed: Observed, options: MatchOptions = {}): MatchOutcome {
  if (spec.throws !== undefined) {
    if (observed.kind === 'value') {
      return { pass: false, reason: observed.exists ? 'evaluation succeeded, but an error was expected' : 'the path does not exist, so nothing failed' };
    }
    return compileUserRegex(spec.throws).test(throwsText(observed))
      ? { pass: true }
      : { pass: false, reason: `the error does not match /${spec.throws}/` };
  }
  if (observed.kind === 'error') return { pass: false, reason: 'evaluation failed' };
  return matchValue(spec, observed.exists, observed.value, observed.type, options);
}

function matchValue(spec: MatcherSpec, exists: boolean, raw: unknown, type: string | null, options: MatchOptions): MatchOutcome {
  const absentWanted = spec.absent === true || spec.exists === false;
  if (!exists) {
    if (absentWanted) return { pass: true };
    if (spec.not && Object.keys(spec).length === 1) {
      const inner = matchValue(spec.not, exists, raw, type, options);
      return inner.pass ? { pass: false, reason: `not (${describeMatchers(spec.not)})` } : { pass: true };
    }
    return { pass: false, reason: 'the path does not exist' };
  }
  if (absentWanted) return { pass: false, reason: 'the path exists' };
  const value = options.numericStrings ? normalizeNumeric(raw) : raw;
  const expect = (v: unknown) => (options.numericStrings ? normalizeNumeric(v) : v);
  // Stryker disable next-line ArrayDeclaration: a stray string counts as passed (its first character is truthy), so it changes no outcome
  const checks: [boolean, () => string][] = [];
  if ('equals' in spec) checks.push([deepEqual(value, expect(spec.equals)), () => `expected ${JSON.stringify(spec.equals)}`]);
  if (spec.oneOf) checks.push([spec.oneOf.some((v) => deepEqual(value, expect(v))), () => `expected one of ${JSON.stringify(spec.oneOf)}`]);
  if ('contains' in spec) checks.push([contains(value, spec.contains), () => `expected it to contain ${JSON.stringify(spec.contains)}`]);
  if (spec.containsAll) {
    const missing = spec.containsAll.filter((v) => !contains(value, v));
    checks.push([missing.length === 0, () => `missing ${JSON.stringify(missing)}`]);
  }
  if (spec.containsMatch !== undefined) {
    const re = compileUserRegex(spec.containsMatch);
    const found = Array.isArray(raw) ? raw.some((v) => typeof v === 'string' && re.test(v)) : typeof raw === 'string' && re.test(raw);
    checks.push([found, () => `expected an element matching /${spec.containsMatch}/`]);
  }
  if (spec.matches !== undefined) {
    checks.push([typeof raw === 'string' && compileUserRegex(spec.matches).test(raw), () => `expected a string matching /${spec.matches}/`]);
  }
  for (const [key, test, word] of [
    ['gt', (a: number, b: number) => a > b, '>'],
    ['gte', (a: number, b: number) => a >= b, '>='],
    ['lt', (a: number, b: number) => a < b, '<'],
    ['lte', (a: number, b: number) => a <= b, '<='],
  ] as const) {
    const bound = spec[key];
    if (bound === undefined) continue;
    // NaN compares false with everything: a value or bound that is no number fails the check.
    const a = asNumber(value) ?? NaN;
    const b = asNumber(bound) ?? NaN;
    checks.push([test(a, b), () => (Number.isNaN(a) ? 'expected a number' : `expected ${word} ${bound}`)]);
  }
  if (spec.type !== undefined) checks.push([typeOf(raw, type) === spec.type, () => `expected type ${spec.type}, got ${typeOf(raw, type)}`]);
  if (spec.length !== undefined) {
    const size = sizeOf(raw);
    const inner = typeof spec.length === 'number' ? { equals: spec.length } : spec.length;
    const ok = size !== undefined && matchValue(inner, true, size, null, {}).pass;
    checks.push([ok, () => (size === undefined ? 'expected a list, string or attribute set' : `length ${size}, expected ${describeMatchers(inner)}`)]);
  }
  if (spec.not) {
    const inner = matchValue(spec.not, exists, raw, type, options);
    checks.push([!inner.pass, () => `expected not (${describeMatchers(spec.not!)})`]);
  }
  const failed = checks.filter(([ok]) => !ok).map(([, why]) => why());
  return failed.length === 0 ? { pass: true } : { pass: false, reason: failed.join('; ') };
}

function contains(container: unknown, needle: unknown): boolean {
  if (Array.isArray(container)) return container.some((v) => deepEqual(v, needle));
  if (typeof container === 'string' && typeof needle === 'string') return container.includes(needle);
  return false;
}

export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/** sysctl semantics: "2" is 2, true is 1, false is 0. */
export function normalizeNumeric(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return asNumber(v) ?? v;
}

function sizeOf(v: unknown): number | undefined {
  if (Array.isArray(v) || typeof v === 'string') return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  return undefined;
}

/** Nix type names; the engine tells derivations, functions and paths (which arrive as strings) apart from plain values. */
function typeOf(value: unknown, nixType: string | null): string {
  if (nixType === 'derivation' || nixType === 'function' || nixType === 'path') return nixType;
  if (nixType === 'set') return 'attrs';
  if (nixType === 'bool' || nixType === 'int' || nixType === 'float' || nixType === 'string' || nixType === 'list' || nixType === 'null') return nixType;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'string';
  return 'attrs';
}

const BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;

/**
 * What the schema cannot say about `spec`: regular expressions that do not compile and
 * bounds that are not numbers (`gte: "one"`), each with where it sits in the spec, so a
 * bad matcher is refused when its file is loaded instead of failing at run time.
 */
export function matcherProblems(spec: MatcherSpec, at: string[] = []): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  const name = (key: string) => [...at, key].join('.');
  for (const key of ['matches', 'containsMatch', 'throws'] as const) {
    const pattern = spec[key];
    if (typeof pattern !== 'string') continue;
    const problem = userRegexProblem(pattern);
    if (problem) out.push({ path: [...at, key], message: `${name(key)} is ${problem}` });
  }
  for (const key of BOUNDS) {
    const bound = spec[key];
    if (bound === undefined) continue;
    const n = asNumber(bound);
    if (n === undefined || Number.isNaN(n)) out.push({ path: [...at, key], message: `${name(key)} expects a number (or a string holding one), got ${JSON.stringify(bound)}` });
  }
  if (spec.not) out.push(...matcherProblems(spec.not, [...at, 'not']));
  if (typeof spec.length === 'object') out.push(...matcherProblems(spec.length, [...at, 'length']));
  return out;
}
