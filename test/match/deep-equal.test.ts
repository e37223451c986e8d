import { describe, expect, it } from 'vitest';
import { deepEqual } from '../../src/match/deep-equal.js';

describe('deepEqual', () => {
  it('equal scalars, and scalars of different types never equal', () => {
    expect(deepEqual(1, 1)).toBe(true);
    expect(deepEqual('a', 'a')).toBe(true);
    expect(deepEqual(null, null)).toBe(true);
    expect(deepEqual(1, '1')).toBe(false);
    expect(deepEqual(0, false)).toBe(false);
    expect(deepEqual(null, 0)).toBe(false);
  });

  it('a scalar is never a set or a list, either way round', () => {
    for (const scalar of [1, 0, '', 'a', true, false]) {
      expect(deepEqual(scalar, {}), JSON.stringify(scalar)).toBe(false);
      expect(deepEqual({}, scalar), JSON.stringify(scalar)).toBe(false);
      expect(deepEqual(scalar, []), JSON.stringify(scalar)).toBe(false);
      expect(deepEqual([], scalar), JSON.stringify(scalar)).toBe(false);
    }
  });

  it('null is not an empty set or list, either way round (and does not throw)', () => {
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual({}, null)).toBe(false);
    expect(deepEqual(null, [])).toBe(false);
    expect(deepEqual([], null)).toBe(false);
  });

  it('a list equals only a list of the same length with equal elements in order', () => {
    expect(deepEqual(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(deepEqual(['a'], ['a', 'b'])).toBe(false);
    expect(deepEqual(['a', 'b'], ['a'])).toBe(false);
    expect(deepEqual(['a', 'b'], ['a', 'c'])).toBe(false);
    expect(deepEqual(['b', 'a'], ['a', 'b'])).toBe(false);
    expect(deepEqual([], [])).toBe(true);
  });

  it('a list never equals an attribute set with the same indices as names', () => {
    expect(deepEqual(['a'], { 0: 'a' })).toBe(false);
    expect(deepEqual({ 0: 'a' }, ['a'])).toBe(false);
    expect(deepEqual([], {})).toBe(false);
  });

  it('attribute sets: the same names with equal values, in any order', () => {
    expect(deepEqual({ a: 1, b: [2] }, { b: [2], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(deepEqual({ a: 1, b: 2 }, { a: 1, b: 3 })).toBe(false);
    expect(deepEqual({ a: 1, b: 2 }, { a: 2, b: 2 })).toBe(false);
    // As many names, but not the same ones: an undefined value does not stand in for a missing name.
    expect(deepEqual({ a: undefined }, { b: undefined })).toBe(false);
    expect(deepEqual({}, {})).toBe(true);
  });

  it('compares nested values all the way down', () => {
    expect(deepEqual({ a: [{ b: [1, 2] }] }, { a: [{ b: [1, 2] }] })).toBe(true);
    expect(deepEqual({ a: [{ b: [1, 2] }] }, { a: [{ b: [1, 2, 3] }] })).toBe(false);
  });
});
