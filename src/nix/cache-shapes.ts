import { DEPENDENCY_SCOPES, type Dependency, type DependencyScope } from './dependency-manifest.js';
import { ERROR_REASONS, EVIDENCE_SOURCES, type ItemOutcome, type PathSegment, type RawDefinition, type RawEvidence } from './request.js';

/**
 * Shape checks for everything read back from the cache. A cache file is outside
 * nixcheck's control (a truncated write, another version, a hand edit): every field
 * that is used is checked, and what does not fit is a miss, evaluated again and rewritten.
 */
export type Check<T> = (value: unknown) => value is T;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isNumber = (v: unknown): v is number => Number.isFinite(v);
export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v): v is T | null =>
    v === null || check(v);
export const arrayOf =
  <T>(check: Check<T>): Check<T[]> =>
  (v): v is T[] =>
    Array.isArray(v) && v.every(check);
export const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (v): v is T =>
    (values as readonly unknown[]).includes(v);
/** An object with at least these fields, each of its shape (other fields are kept as they are). */
export const shape =
  <T>(fields: { [K in keyof T]-?: Check<T[K]> }): Check<T> =>
  (v): v is T =>
    isObject(v) && Object.entries(fields).every(([k, check]) => (check as Check<unknown>)(v[k]));

export const isStrings = arrayOf(isString);
export const isPosition = shape<{ file: string; line: number; column: number }>({ file: isString, line: isNumber, column: isNumber });
const isDefinition = shape<RawDefinition>({
  file: isString,
  priority: nullable(isNumber),
  definitionsInFile: isNumber,
  // Plain data or absent (losing definitions carry none).
  value: (_value): _value is unknown => true,
});
const isPathSegment = (v: unknown): v is PathSegment => isString(v) || isNumber(v);

const isRawEvidence: Check<RawEvidence> = shape<RawEvidence>({
  option: isStrings,
  subPath: arrayOf(isPathSegment),
  isDefined: isBoolean,
  priority: nullable(isNumber),
  source: oneOf(EVIDENCE_SOURCES),
  modulesPath: nullable(isString),
  declarations: isStrings,
  declarationPositions: arrayOf(isPosition),
  definitions: arrayOf(isDefinition),
  overridden: arrayOf(isDefinition),
  overriddenKnown: nullable(isBoolean),
});

const isValueOutcome = shape<Extract<ItemOutcome, { status: 'value' }>>({
  status: (v): v is 'value' => v === 'value',
  exists: isBoolean,
  // Any JSON value, but present: a stored `{}` has no value and is no answer.
  value: (v): v is unknown => v !== undefined,
  type: nullable(isString),
  evidence: nullable(isRawEvidence),
  declared: nullable(isBoolean),
});

const isErrorOutcome = shape<Extract<ItemOutcome, { status: 'error' }>>({
  status: (v): v is 'error' => v === 'error',
  error: isString,
  trace: (v): v is string | undefined => v === undefined || isString(v),
  reason: oneOf(ERROR_REASONS),
});

export const isItemOutcome: Check<ItemOutcome> = (v): v is ItemOutcome => isValueOutcome(v) || isErrorOutcome(v);

export const isDependency: Check<Dependency> = (v): v is Dependency =>
  shape<{ path: string; scope: DependencyScope; digest: string }>({ path: isString, scope: oneOf(DEPENDENCY_SCOPES), digest: isString })(v) ||
  shape<{ env: string; value: string | null }>({ env: isString, value: nullable(isString) })(v);
