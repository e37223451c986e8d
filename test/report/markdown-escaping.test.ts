/** The exact text each Markdown escaping function writes (markdown.test.ts renders it with a real renderer). */
import { describe, expect, it } from 'vitest';
import { mdCell, mdCode, mdCodeBlock, mdLines, mdText } from '../../src/report/markdown.js';

describe('mdText', () => {
  it('escapes every character that starts markup inline', () => {
    expect(mdText('\\`*_~[]<>&|#')).toBe('\\\\\\`\\*\\_\\~\\[\\]\\<\\>\\&\\|\\#');
    expect(mdText('a-b.c (d) !e')).toBe('a-b.c (d) !e');
  });

  it('turns every kind of line break into a space', () => {
    expect(mdText('a\nb\r\nc\rd')).toBe('a b c d');
    expect(mdText('a\n\nb')).toBe('a  b');
  });
});

describe('mdLines', () => {
  it('keeps the lines, each escaped', () => {
    expect(mdLines('*a*\r\n<b>\rc\nd')).toBe('\\*a\\*\n\\<b\\>\nc\nd');
  });
});

describe('mdCell', () => {
  it('escapes like mdText and keeps line breaks as <br>', () => {
    expect(mdCell('a|b\nc\r\nd\re')).toBe('a\\|b<br>c<br>d<br>e');
    expect(mdCell('<br>')).toBe('\\<br\\>');
  });
});

describe('mdCode', () => {
  it('a span fenced by more backticks than any run inside', () => {
    expect(mdCode('x')).toBe('`x`');
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('a```b`c')).toBe('````a```b`c````');
  });

  it('pads a span that starts or ends with a backtick', () => {
    expect(mdCode('`a')).toBe('`` `a ``');
    expect(mdCode('a`')).toBe('`` a` ``');
    expect(mdCode('a` b')).toBe('``a` b``');
  });

  it('flattens line breaks, and escapes | only in a table cell', () => {
    expect(mdCode('a\nb\r\nc\rd')).toBe('`a b c d`');
    expect(mdCode('a|b')).toBe('`a|b`');
    expect(mdCode('a|b|c', 'cell')).toBe('`a\\|b\\|c`');
  });

  it('is nothing for nothing', () => {
    expect(mdCode('')).toBe('');
    expect(mdCode('', 'cell')).toBe('');
  });
});

describe('mdCodeBlock', () => {
  it('is fenced by at least three backticks, more than any run inside', () => {
    expect(mdCodeBlock('x')).toBe('```\nx\n```');
    expect(mdCodeBlock('a``b')).toBe('```\na``b\n```');
    expect(mdCodeBlock('```\nx\n````', 'nix')).toBe('`````nix\n```\nx\n````\n`````');
    expect(mdCodeBlock('x', 'nix')).toBe('```nix\nx\n```');
  });
});
