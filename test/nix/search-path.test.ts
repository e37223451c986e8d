import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordManifest } from '../../src/nix/dependency-manifest.js';
import { FileHashCache } from '../../src/nix/file-hash-cache.js';
import { PathDigester } from '../../src/nix/path-digest.js';
import { parseNixPath, searchPathCandidates } from '../../src/nix/search-path.js';
import { tempDir } from '../helpers/paths.js';

describe('search-path lookups', () => {
  it('splits NIX_PATH as Nix does, keeping URLs whole', () => {
    expect(parseNixPath('nixpkgs=/a/b:/c:x=https://example.org/t.tar.gz:y=/d')).toEqual(['nixpkgs=/a/b', '/c', 'x=https://example.org/t.tar.gz', 'y=/d']);
  });

  it('lists the candidates of a lookup in order; a URL entry cannot be fingerprinted', () => {
    expect(searchPathCandidates('nixpkgs/lib', 'nixpkgs=/a:/b:other=/c')).toEqual({ candidates: ['/a/lib', '/b/nixpkgs/lib'] });
    expect(searchPathCandidates('nixpkgs', 'nixpkgs=/a')).toEqual({ candidates: ['/a'] });
    expect(searchPathCandidates('nixpkgs', 'nixpkgs=https://example.org/x.tar.gz')).toEqual({ untrackable: expect.stringContaining('https://example.org') });
  });

  it('a lookup depends on every candidate up to the first that exists', () => {
    const dir = tempDir();
    const [first, second, third] = ['first', 'second', 'third'].map((d) => join(dir, d));
    mkdirSync(join(second!, 'x'), { recursive: true });
    mkdirSync(join(third!, 'x'), { recursive: true });
    writeFileSync(join(second!, 'x', 'default.nix'), '1');
    const user = join(dir, 'user.nix');
    writeFileSync(user, 'import <x>');
    const saved = process.env.NIX_PATH;
    process.env.NIX_PATH = [first, second, third].join(':');
    try {
      const manifest = recordManifest(
        { evaluatedFiles: new Set(['/engine.nix', user]), copiedSources: new Map() },
        { engineFiles: ['/engine.nix'], coveredRoots: [], configuresSearchPath: false, digester: new PathDigester({ files: new FileHashCache() }), scans: new Map() },
      );
      expect(manifest.cacheable && manifest.dependencies.map((d) => ('path' in d ? [d.path, d.digest.split(':')[0]] : d))).toEqual([
        [user, 'f'],
        [join(first!, 'x'), 'absent'],
        [join(second!, 'x'), 'tree'],
      ]);
    } finally {
      if (saved === undefined) delete process.env.NIX_PATH;
      else process.env.NIX_PATH = saved;
    }
  });
});
