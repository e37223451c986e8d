import { describe, expect, it } from 'vitest';
import { compareText } from '../../src/util/compare-text.js';

describe('compareText', () => {
  it('orders by code units, the same in every locale', () => {
    expect(compareText('a', 'b')).toBe(-1);
    expect(compareText('b', 'a')).toBe(1);
    expect(compareText('a', 'a')).toBe(0);
    expect(compareText('B', 'a')).toBe(-1);
    expect(compareText('a', 'ab')).toBe(-1);
    expect(['b', 'a10', 'A', 'a2'].sort(compareText)).toEqual(['A', 'a10', 'a2', 'b']);
  });
});
