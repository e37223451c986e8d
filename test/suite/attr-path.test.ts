import { describe, expect, it } from 'vitest';
import { formatAttrPath, parseAttrPath, parsePath } from '../../src/suite/attr-path.js';

describe('attribute paths', () => {
  it('splits on dots and keeps quoted segments whole', () => {
    expect(parseAttrPath('boot.kernel.sysctl."kernel.kptr_restrict"')).toEqual(['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict']);
    expect(parseAttrPath('fileSystems."/tmp".options')).toEqual(['fileSystems', '/tmp', 'options']);
    expect(parseAttrPath('a."say \\"hi\\"".b')).toEqual(['a', 'say "hi"', 'b']);
  });

  it('rejects malformed paths with a reason', () => {
    expect(() => parseAttrPath('')).toThrow(/empty/);
    expect(() => parseAttrPath('a..b')).toThrow(/empty segment/);
    expect(() => parseAttrPath('a."b')).toThrow(/unterminated/);
    expect(() => parseAttrPath('a.')).toThrow(/trailing/);
    expect(() => parseAttrPath('"a"b')).toThrow(/expected "\."/);
  });

  it('reads bare numbers in value paths as list indices, and keeps quoted ones attribute names', () => {
    expect(parsePath('boot.initrd.luks.devices.0.device')).toEqual(['boot', 'initrd', 'luks', 'devices', 0, 'device']);
    expect(parsePath('files."0"')).toEqual(['files', '0']);
    expect(parsePath('a.01.b1')).toEqual(['a', '01', 'b1']);
    // Attribute-name paths (`with:` keys, target attributes) have no list indices.
    expect(parseAttrPath('files.0')).toEqual(['files', '0']);
    expect(formatAttrPath(['files', 0, '0'])).toBe('files.0."0"');
    expect(parsePath(formatAttrPath(['files', 0, '0']))).toEqual(['files', 0, '0']);
  });

  it('formats back, quoting only where needed', () => {
    const path = ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'];
    expect(formatAttrPath(path)).toBe('boot.kernel.sysctl."kernel.kptr_restrict"');
    expect(parseAttrPath(formatAttrPath(['a', 'x"y', 'k3s-node']))).toEqual(['a', 'x"y', 'k3s-node']);
  });
});

describe('attribute paths: edges', () => {
  it('list indices of any length; a leading zero or a sign makes a name', () => {
    expect(parsePath('a.10.123.0')).toEqual(['a', 10, 123, 0]);
    expect(parsePath('a.007.-1.1x')).toEqual(['a', '007', '-1', '1x']);
  });

  it('a path of blanks is empty; blanks inside a segment are kept', () => {
    expect(() => parseAttrPath('   ')).toThrow('empty attribute path');
    expect(parseAttrPath('a. b')).toEqual(['a', ' b']);
  });

  it('an escape in quotes takes the next character as it is; at the end it leaves the quote open', () => {
    expect(parseAttrPath('"a\\\\b"."c\\.d"')).toEqual(['a\\b', 'c.d']);
    expect(() => parseAttrPath('"a\\')).toThrow(/unterminated/);
    expect(() => parseAttrPath('"a\\"')).toThrow(/unterminated/);
  });

  it('quotes backslashes and quotes when formatting, so the path reads back the same', () => {
    expect(formatAttrPath(['a\\b', 'c"d', 'e'])).toBe('"a\\\\b"."c\\"d".e');
    expect(parseAttrPath(formatAttrPath(['a\\b', 'c"d', "x'y-z_1", '1a', '']))).toEqual(['a\\b', 'c"d', "x'y-z_1", '1a', '']);
    expect(formatAttrPath(["x'y-z_1", '_a', 'A', '1a', ''])).toBe("x'y-z_1._a.A.\"1a\".\"\"");
  });
});
