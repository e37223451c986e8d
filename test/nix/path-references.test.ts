import { describe, expect, it } from 'vitest';
import { scanPathReferences } from '../../src/nix/path-references.js';

const paths = (source: string) => scanPathReferences(source).paths.map((p) => (p.interpolated ? `${p.text}\${}` : p.text));

// Each expectation was checked against `nix-instantiate --parse` (Nix 2.8): what it
// prints as a path is a path here, what it prints as a string is not.
describe('path literals a Nix file names', () => {
  it('finds relative, absolute and home paths, and paths Nix lexes without ./', () => {
    expect(paths('{ a = ./x.nix; b = ../modules/y.nix; c = /etc/hosts; d = ~/cfg; e = a/b; f = a.b/c; g = 1/2; h = ./.; }')).toEqual([
      './x.nix',
      '../modules/y.nix',
      '/etc/hosts',
      '~/cfg',
      'a/b',
      'a.b/c',
      '1/2',
      './.',
    ]);
  });

  it('skips strings, comments and escaped interpolations, and enters real interpolations', () => {
    const source = [
      '# ./in-a-comment',
      '{ a = "./in-a-string"; b = /* ./in-a-block */ 1;',
      '  c = "${./interpolated}"; d = "$${./escaped-dollar}"; e = "\\${./escaped}";',
      "  f = ''${../indented} ./not-a-path ''${./escaped-indented}'';",
      '  g = "${"${./nested}"}"; h = https://example.org/x/y; i = a / b; j = a // b; }',
    ].join('\n');
    expect(paths(source)).toEqual(['./interpolated', '../indented', './nested']);
  });

  it('keeps the part of an interpolated path before its first interpolation', () => {
    expect(paths('[ ./hosts/${name}.nix ./x${y}/z ./${a} /${b} ~/${c} ./after ]')).toEqual([
      './hosts/${}',
      './x${}',
      './${}',
      '/${}',
      '~/${}',
      './after',
    ]);
  });

  it('finds search-path lookups, not comparisons', () => {
    const refs = scanPathReferences('{ a = <nixpkgs/lib>; b = x < y; c = x<=y; d = <nixos-config>; }');
    expect(refs.searchPaths).toEqual(['nixpkgs/lib', 'nixos-config']);
    expect(refs.paths).toEqual([]);
  });

  it('records environment variables read by name, and what it cannot follow', () => {
    const refs = scanPathReferences(
      [
        'let',
        '  home = builtins.getEnv "HOME";',
        '  computed = builtins.getEnv name;',
        '  time = builtins.currentTime;',
        '  fromString = builtins.toPath "/etc";',
        '  pinned = fetchTarball "https://example.org/x.tar.gz";',
        '  fixedOutput = pkgs.fetchurl { url = "x"; };',
        '  evalTime = builtins.fetchurl "https://example.org/y";',
        'in with builtins; getEnv "USER"',
      ].join('\n'),
    );
    expect(refs.envNames).toEqual(['HOME', 'USER']);
    expect(refs.untrackable).toEqual([
      'builtins.getEnv with a computed name (line 3)',
      'builtins.currentTime (line 4)',
      'builtins.toPath makes a path from a string (line 5)',
      'builtins.fetchTarball (line 6)',
      'builtins.fetchurl (line 8)',
    ]);
  });
});
