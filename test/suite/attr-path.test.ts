import { describe, expect, it } from 'vitest';
import { formatAttrPath, parseAttrPath } from '../../src/suite/attr-path.js';

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

  it('formats back, quoting only where needed', () => {
    const path = ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'];
    expect(formatAttrPath(path)).toBe('boot.kernel.sysctl."kernel.kptr_restrict"');
    expect(parseAttrPath(formatAttrPath(['a', 'x"y', 'k3s-node']))).toEqual(['a', 'x"y', 'k3s-node']);
  });
});
