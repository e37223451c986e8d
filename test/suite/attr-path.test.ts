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
