/** What a cache file must hold to be used: anything else is a miss, never a wrong answer. */
import { describe, expect, it } from 'vitest';
import { arrayOf, isBoolean, isDependency, isItemOutcome, isNumber, isObject, isPosition, isString, isStrings, nullable, oneOf, shape } from '../../src/nix/cache-shapes.js';

const definition = { file: '/a.nix', priority: 100, definitionsInFile: 1 };
const evidence = {
  option: ['a'],
  subPath: ['k', 0],
  isDefined: true,
  priority: 100,
  source: 'set',
  modulesPath: null,
  declarations: ['/a.nix'],
  declarationPositions: [{ file: '/a.nix', line: 1, column: 2 }],
  definitions: [{ ...definition, value: 1 }],
  overridden: [definition],
  overriddenKnown: null,
};
const valueOutcome = { status: 'value', exists: true, value: 1, type: 'int', evidence, declared: true };
const errorOutcome = { status: 'error', error: 'error: x', trace: 'error: x\n…', reason: 'throw' };

/** `base` with `key` set to `v` (or removed, for undefined). */
const withField = (base: Record<string, unknown>, key: string, v: unknown) => {
  const copy = { ...base };
  if (v === undefined) delete copy[key];
  else copy[key] = v;
  return copy;
};

describe('scalar checks', () => {
  it('objects are neither null nor lists', () => {
    expect(isObject({})).toBe(true);
    expect(isObject(null)).toBe(false);
    expect(isObject([])).toBe(false);
    expect(isObject('x')).toBe(false);
  });

  it('strings, booleans and finite numbers', () => {
    expect(isString('')).toBe(true);
    expect(isString(1)).toBe(false);
    expect(isBoolean(false)).toBe(true);
    expect(isBoolean(0)).toBe(false);
    expect(isNumber(0)).toBe(true);
    expect(isNumber(-1.5)).toBe(true);
    expect(isNumber(Number.NaN)).toBe(false);
    expect(isNumber(Number.POSITIVE_INFINITY)).toBe(false);
    expect(isNumber('1')).toBe(false);
  });
});

describe('combinators', () => {
  it('nullable admits null, and nothing else new', () => {
    expect(nullable(isString)(null)).toBe(true);
    expect(nullable(isString)('x')).toBe(true);
    expect(nullable(isString)(undefined)).toBe(false);
    expect(nullable(isString)(1)).toBe(false);
  });

  it('arrayOf wants a list whose every element fits', () => {
    expect(arrayOf(isString)([])).toBe(true);
    expect(arrayOf(isString)(['a', 'b'])).toBe(true);
    expect(arrayOf(isString)(['a', 1])).toBe(false);
    expect(arrayOf(isString)({ 0: 'a', length: 1 })).toBe(false);
    expect(isStrings(['a'])).toBe(true);
  });

  it('oneOf wants one of the listed strings', () => {
    expect(oneOf(['a', 'b'])('b')).toBe(true);
    expect(oneOf(['a', 'b'])('c')).toBe(false);
    expect(oneOf(['1'])(1)).toBe(false);
  });

  it('shape wants an object with every field fitting, and keeps others', () => {
    const point = shape<{ x: number; y: number }>({ x: isNumber, y: isNumber });
    expect(point({ x: 1, y: 2, z: 'extra' })).toBe(true);
    expect(point({ x: 1 })).toBe(false);
    expect(point({ x: 1, y: '2' })).toBe(false);
    expect(point(null)).toBe(false);
    expect(point([1, 2])).toBe(false);
  });

  it('a position has a file, a line and a column', () => {
    expect(isPosition({ file: '/a', line: 1, column: 1 })).toBe(true);
    expect(isPosition({ file: '/a', line: 1 })).toBe(false);
    expect(isPosition({ file: '/a', line: '1', column: 1 })).toBe(false);
    expect(isPosition({ file: 1, line: 1, column: 1 })).toBe(false);
  });
});

describe('isItemOutcome', () => {
  it('accepts a value answer, with or without evidence, and an error answer with or without trace', () => {
    expect(isItemOutcome(valueOutcome)).toBe(true);
    expect(isItemOutcome({ ...valueOutcome, evidence: null, type: null, declared: null, value: null })).toBe(true);
    expect(isItemOutcome(errorOutcome)).toBe(true);
    expect(isItemOutcome(withField(errorOutcome, 'trace', undefined))).toBe(true);
  });

  it('refuses a value answer with any field missing or of another shape', () => {
    const bad: [string, unknown][] = [
      ['status', 'values'],
      ['exists', 'yes'],
      ['exists', undefined],
      ['value', undefined],
      ['type', 1],
      ['evidence', {}],
      ['declared', 'no'],
      ['declared', undefined],
    ];
    for (const [key, v] of bad) expect(isItemOutcome(withField(valueOutcome, key, v)), `${key}: ${JSON.stringify(v)}`).toBe(false);
  });

  it('refuses an error answer with any field missing or of another shape', () => {
    const bad: [string, unknown][] = [
      ['status', 'err'],
      ['error', undefined],
      ['error', 1],
      ['trace', null],
      ['trace', 1],
      ['reason', 'other'],
      ['reason', undefined],
    ];
    for (const [key, v] of bad) expect(isItemOutcome(withField(errorOutcome, key, v)), `${key}: ${JSON.stringify(v)}`).toBe(false);
  });

  it('refuses evidence with any field missing or of another shape', () => {
    const bad: [string, unknown][] = [
      ['option', ['a', 1]],
      ['subPath', [true]],
      ['subPath', undefined],
      ['isDefined', 1],
      ['priority', '100'],
      ['source', 'somewhere'],
      ['modulesPath', 1],
      ['modulesPath', undefined],
      ['declarations', [1]],
      ['declarationPositions', [{ file: '/a' }]],
      ['definitions', [{ file: '/a', priority: 100 }]],
      ['definitions', [{ file: '/a', priority: '1', definitionsInFile: 1 }]],
      ['definitions', [{ file: 1, priority: 100, definitionsInFile: 1 }]],
      ['overridden', [{ priority: 100, definitionsInFile: 1 }]],
      ['overriddenKnown', 'no'],
      ['overriddenKnown', undefined],
    ];
    for (const [key, v] of bad) expect(isItemOutcome({ ...valueOutcome, evidence: withField(evidence, key, v) }), `${key}: ${JSON.stringify(v)}`).toBe(false);
    expect(isItemOutcome({ ...valueOutcome, evidence: { ...evidence, priority: null, overriddenKnown: false, modulesPath: '/m' } })).toBe(true);
    expect(isItemOutcome({ ...valueOutcome, evidence: { ...evidence, definitions: [{ ...definition, priority: null }] } })).toBe(true);
    for (const source of ['default', 'set', 'unknown']) expect(isItemOutcome({ ...valueOutcome, evidence: { ...evidence, source } })).toBe(true);
  });

  it('knows every reason an error can have', () => {
    for (const reason of ['throw', 'fatal', 'timeout', 'target']) expect(isItemOutcome({ ...errorOutcome, reason })).toBe(true);
  });
});

describe('isDependency', () => {
  it('a path with its scope and digest, or an environment variable with its value', () => {
    for (const scope of ['file', 'tree', 'lastModified']) expect(isDependency({ path: '/a', scope, digest: 'd' })).toBe(true);
    expect(isDependency({ env: 'HOME', value: '/root' })).toBe(true);
    expect(isDependency({ env: 'UNSET', value: null })).toBe(true);
  });

  it('anything else is no dependency', () => {
    expect(isDependency({ path: '/a', scope: 'dir', digest: 'd' })).toBe(false);
    expect(isDependency({ path: '/a', scope: 'file' })).toBe(false);
    expect(isDependency({ path: 1, scope: 'file', digest: 'd' })).toBe(false);
    expect(isDependency({ env: 'HOME' })).toBe(false);
    expect(isDependency({ env: 1, value: 'x' })).toBe(false);
    expect(isDependency({ env: 'HOME', value: 1 })).toBe(false);
    expect(isDependency(null)).toBe(false);
  });
});
