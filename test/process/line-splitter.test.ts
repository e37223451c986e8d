import { describe, expect, it } from 'vitest';
import { lineSplitter } from '../../src/process/line-splitter.js';

describe('lineSplitter', () => {
  it('hands over whole lines however the output is cut, and the unfinished last one at the end', () => {
    const lines: string[] = [];
    const split = lineSplitter((line) => lines.push(line));
    for (const chunk of ['fir', 'st\nsecond\n\nth', 'ird', '\n', 'last']) split.push(chunk);
    expect(lines).toEqual(['first', 'second', '', 'third']);
    split.end();
    expect(lines).toEqual(['first', 'second', '', 'third', 'last']);
    split.end();
    expect(lines).toHaveLength(5);
  });
});
