/**
 * The dependencies of a cached answer from what Nix reported reading, in process: files
 * and stand-ins for store copies are written to a temporary directory (nothing is
 * evaluated; test/nix/cache-dependencies.test.ts does that with Nix).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { manifestHolds, recordManifest, unionDependencies, type Dependency, type ManifestContext } from '../../src/nix/dependency-manifest.js';
import { FileHashCache } from '../../src/nix/file-hash-cache.js';
import { PathDigester } from '../../src/nix/path-digest.js';
import type { ReportedReads } from '../../src/nix/reported-reads.js';
import { tempDir } from '../helpers/paths.js';

const ENGINE = '/nixcheck/src/nix/engine.nix';
const STORE = '/nix/store';
const COPY = `${STORE}/00000000000000000000000000000000-source`;

/** A directory with these files (relative path -> text). */
function tree(files: Record<string, string>): string {
  const root = tempDir();
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}
const digester = () => new PathDigester({ files: new FileHashCache() });
const reads = (evaluated: string[], copied: [string, string][] = []): ReportedReads => ({ evaluatedFiles: new Set([ENGINE, ...evaluated]), copiedSources: new Map(copied) });
const context = (more: Partial<ManifestContext> = {}): ManifestContext => ({ engineFiles: [ENGINE], coveredRoots: [], configuresSearchPath: false, digester: digester(), scans: new Map(), ...more });
/** The dependencies, each as `scope path` or `env NAME=value`. */
function dependencies(r: ReportedReads, c: ManifestContext = context()): string[] {
  const manifest = recordManifest(r, c);
  if (!manifest.cacheable) throw new Error(`not cacheable: ${manifest.reason}`);
  return manifest.dependencies.map((d) => ('env' in d ? `env ${d.env}=${d.value}` : `${d.scope} ${d.path}`));
}
const reason = (r: ReportedReads, c: ManifestContext = context()) => {
  const manifest = recordManifest(r, c);
  return manifest.cacheable ? undefined : manifest.reason;
};

const savedEnv = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

describe('recordManifest', () => {
  it("a file of the user's: itself by content, and every path it names with all below it", () => {
    const root = tree({ 'cfg/host.nix': '{ imports = [ ./hw.nix ../shared ]; x = builtins.readFile /etc/motd; y = ./hosts/${name}.nix; z = ./lib/${v}; w = ../conf-${v}.nix; }' });
    const cfg = join(root, 'cfg');
    // `./lib/${v}` can name anything in ./lib; `../conf-${v}.nix` anything beside ../conf-.
    expect(dependencies(reads([join(cfg, 'host.nix')]))).toEqual([
      `file ${join(cfg, 'host.nix')}`,
      `tree /etc/motd`,
      `tree ${root}`,
      `tree ${join(cfg, 'hosts')}`,
      `tree ${join(cfg, 'hw.nix')}`,
      `tree ${join(cfg, 'lib')}`,
      `tree ${join(root, 'shared')}`,
    ]);
  });

  it('a path under the home directory is resolved against HOME; a store path names nothing that changes', () => {
    process.env.HOME = '/home/someone';
    const root = tree({ 'a.nix': `[ ~/secrets/x ${COPY}/y ]` });
    expect(dependencies(reads([join(root, 'a.nix')]))).toEqual([`file ${join(root, 'a.nix')}`, 'tree /home/someone/secrets/x']);
  });

  it('environment variables it reads, with their value or none, sorted after the paths', () => {
    process.env.NIXCHECK_TEST_SET = 'on';
    delete process.env.NIXCHECK_TEST_UNSET;
    const root = tree({ 'a.nix': '[ (builtins.getEnv "NIXCHECK_TEST_UNSET") (builtins.getEnv "NIXCHECK_TEST_SET") ./b ]' });
    expect(dependencies(reads([join(root, 'a.nix')]))).toEqual([`file ${join(root, 'a.nix')}`, `tree ${join(root, 'b')}`, 'env NIXCHECK_TEST_SET=on', 'env NIXCHECK_TEST_UNSET=null']);
  });

  it("a path: flake's newest modification time, only when a file mentions lastModified", () => {
    const root = tree({ 'a.nix': 'self.lastModified', 'b.nix': '1' });
    expect(dependencies(reads([join(root, 'a.nix')]), context({ pathFlake: root }))).toEqual([`file ${join(root, 'a.nix')}`, `lastModified ${root}`]);
    expect(dependencies(reads([join(root, 'b.nix')]), context({ pathFlake: root }))).toEqual([`file ${join(root, 'b.nix')}`]);
    expect(dependencies(reads([join(root, 'a.nix')]))).toEqual([`file ${join(root, 'a.nix')}`]);
  });

  it("nixcheck's own files are no dependencies, and the entry point proves that Nix reports what it reads", () => {
    expect(dependencies(reads([]))).toEqual([]);
    expect(reason({ evaluatedFiles: new Set(['/x.nix']), copiedSources: new Map() }, context({ engineFiles: [ENGINE, '/nixcheck/src/nix/evidence.nix'] }))).toBe(
      `this Nix did not report evaluating ${ENGINE}, so it may not report the other files it read`,
    );
    expect(dependencies({ evaluatedFiles: new Set(['/nixcheck/src/nix/evidence.nix']), copiedSources: new Map() }, context({ engineFiles: [ENGINE, '/nixcheck/src/nix/evidence.nix'] }))).toEqual([]);
  });

  it('what cannot be tracked makes the answer uncacheable, saying why', () => {
    const root = tree({ 'a.nix': 'builtins.currentTime', 'b.nix': '<nixpkgs>' });
    expect(reason(reads([join(root, 'a.nix')]))).toBe(`${join(root, 'a.nix')} may read what no path in it names: builtins.currentTime (line 1)`);
    expect(reason(reads(['relative.nix']))).toBe('Nix evaluated relative.nix, which is not a local path');
    expect(reason(reads([join(root, 'missing.nix')]))).toBe(`cannot read ${join(root, 'missing.nix')}, which Nix evaluated`);
    expect(reason(reads([join(root, 'b.nix')]), context({ configuresSearchPath: true }))).toBe(`<nixpkgs> in ${join(root, 'b.nix')}: nix.conf sets its own search path`);
  });

  it('a search-path lookup depends on its candidates', () => {
    const channels = tree({ 'nixpkgs/default.nix': '1' });
    process.env.NIX_PATH = channels;
    const root = tree({ 'a.nix': 'import <nixpkgs>' });
    expect(dependencies(reads([join(root, 'a.nix')]))).toEqual([`file ${join(root, 'a.nix')}`, `tree ${join(channels, 'nixpkgs')}`]);
  });

  it("store files: a copy of a covered root is scanned (its local file when the store has none); anything else is not", () => {
    const root = tree({ 'flake.nix': '{ x = ./modules; y = /etc/hosts; }' });
    // Relative paths in a store copy are store paths (they never change); an absolute one is not.
    expect(dependencies(reads([`${COPY}/flake.nix`]), context({ coveredRoots: [root] }))).toEqual(['tree /etc/hosts']);
    expect(dependencies(reads([`${COPY}/flake.nix`, `${STORE}/11111111111111111111111111111111-nixpkgs/lib/default.nix`]), context({ coveredRoots: [root] }))).toEqual(['tree /etc/hosts']);
    const untrackable = tree({ 'flake.nix': 'builtins.currentTime' });
    // Scanned: what it reads untrackably counts, though it sits in the store.
    expect(reason(reads([`${COPY}/flake.nix`]), context({ coveredRoots: [untrackable] }))).toMatch(/may read what no path in it names: builtins\.currentTime/);
    // Not a copy of anything known: a locked input, never scanned.
    expect(dependencies(reads([`${COPY}/flake.nix`]), context({ coveredRoots: [] }))).toEqual([]);
    expect(reason(reads([`${COPY}/missing.nix`]), context({ coveredRoots: [untrackable] }))).toBeUndefined();
  });

  it('a source Nix copied into the store: the local source with all below it, unless a covered root holds it; files of the copy are scanned', () => {
    const root = tree({ 'sub/a.nix': '1', 'extra/b.nix': 'builtins.currentTime' });
    const copied = `${STORE}/22222222222222222222222222222222-extra`;
    expect(dependencies(reads([], [[copied, join(root, 'extra')]]))).toEqual([`tree ${join(root, 'extra')}`]);
    expect(dependencies(reads([], [[copied, join(root, 'extra')]]), context({ coveredRoots: [join(root, 'extra')] }))).toEqual([]);
    expect(dependencies(reads([], [[copied, join(root, 'extra')]]), context({ coveredRoots: [root] }))).toEqual([]);
    // A root that only starts like the source's directory does not hold it.
    expect(dependencies(reads([], [[copied, join(root, 'extra')]]), context({ coveredRoots: [join(root, 'ext')] }))).toEqual([`tree ${join(root, 'extra')}`]);
    // Copies from the store and relative names are no local sources.
    expect(dependencies(reads([], [[copied, `${COPY}/x`], [`${copied}2`, 'relative']]))).toEqual([]);
    // A file below the copy is the user's: scanned.
    expect(reason(reads([`${copied}/b.nix`], [[copied, join(root, 'extra')]]), context({ coveredRoots: [join(root, 'extra')] }))).toMatch(/builtins\.currentTime/);
    // A store path merely starting like the copy is not below it.
    expect(reason(reads([`${copied}x/b.nix`], [[copied, join(root, 'extra')]]), context({ coveredRoots: [] }))).toBeUndefined();
  });

  it('lists every untrackable read of a file, and sorts the files it depends on', () => {
    const root = tree({ 'a.nix': 'builtins.currentTime\n(builtins.fetchGit x)', 'b.nix': '1', 'c.nix': '2' });
    expect(reason(reads([join(root, 'a.nix')]))).toBe(`${join(root, 'a.nix')} may read what no path in it names: builtins.currentTime (line 1), builtins.fetchGit (line 2)`);
    expect(dependencies(reads([join(root, 'c.nix'), join(root, 'b.nix')]))).toEqual([`file ${join(root, 'b.nix')}`, `file ${join(root, 'c.nix')}`]);
  });

  it("a store file below a copied source is the user's even where no covered root has it: read, or the answer is uncacheable", () => {
    const root = tree({ 'extra/b.nix': '1' });
    const copied = `${STORE}/33333333333333333333333333333333-extra`;
    expect(reason(reads([`${copied}/b.nix`], [[copied, join(root, 'extra')]]))).toBe(`cannot read ${copied}/b.nix, which Nix evaluated`);
  });

  it('a store path with nothing below its name is no copy of a file under a root', () => {
    const name = '44444444444444444444444444444444-x.nix';
    const root = tree({ [name]: 'builtins.currentTime' });
    expect(reason(reads([`${STORE}/${name}`]), context({ coveredRoots: [root] }))).toBeUndefined();
  });

  it('the name of a store path ends at its first slash, even where it is empty: what follows is the path in a root', () => {
    const root = tree({ 'x.nix': 'builtins.currentTime' });
    expect(reason(reads([`${STORE}//x.nix`]), context({ coveredRoots: [root] }))).toMatch(/may read what no path in it names: builtins\.currentTime/);
  });

  it('an error that is no untrackable read is not hidden', () => {
    const broken = { file: () => { throw new TypeError('broken'); }, tree: () => { throw new TypeError('broken'); }, lastModified: () => { throw new TypeError('broken'); } } as unknown as PathDigester;
    const root = tree({ 'a.nix': '1' });
    expect(() => recordManifest(reads([join(root, 'a.nix')]), context({ digester: broken }))).toThrow(TypeError);
    expect(() => manifestHolds([{ path: '/a', scope: 'file', digest: 'x' }], broken)).toThrow(TypeError);
  });

  it('reuses scans already made', () => {
    const root = tree({ 'a.nix': '1' });
    const c = context();
    const file = join(root, 'a.nix');
    c.scans.set(`${file}\0${c.digester.file(file)}`, { paths: [{ text: './remembered', interpolated: false }], searchPaths: [], envNames: [], untrackable: [], mentionsLastModified: false });
    expect(dependencies(reads([file]), c)).toEqual([`file ${file}`, `tree ${join(root, 'remembered')}`]);
    const fresh = context();
    dependencies(reads([file]), fresh);
    expect([...fresh.scans.keys()]).toEqual([`${file}\0${fresh.digester.file(file)}`]);
  });

  it('records the fingerprints as the digester has them', () => {
    const root = tree({ 'a.nix': './b', b: 'x' });
    const manifest = recordManifest(reads([join(root, 'a.nix')]), context());
    const d = digester();
    expect(manifest).toEqual({
      cacheable: true,
      dependencies: [
        { path: join(root, 'a.nix'), scope: 'file', digest: d.file(join(root, 'a.nix')) },
        { path: join(root, 'b'), scope: 'tree', digest: d.tree(join(root, 'b')) },
      ],
    });
  });
});

describe('manifestHolds', () => {
  it('holds while every fingerprint and variable is unchanged', () => {
    const root = tree({ 'a.nix': '1', 'b/c': 'x' });
    process.env.NIXCHECK_TEST_VAR = 'one';
    const d = digester();
    const deps: Dependency[] = [
      { path: join(root, 'a.nix'), scope: 'file', digest: d.file(join(root, 'a.nix')) },
      { path: join(root, 'b'), scope: 'tree', digest: d.tree(join(root, 'b')) },
      { path: root, scope: 'lastModified', digest: d.lastModified(root) },
      { env: 'NIXCHECK_TEST_VAR', value: 'one' },
      { env: 'NIXCHECK_TEST_NONE', value: null },
    ];
    expect(manifestHolds(deps, digester())).toBe(true);
    expect(manifestHolds([{ ...deps[0]!, digest: 'f:other' } as Dependency], digester())).toBe(false);
    expect(manifestHolds([{ ...deps[1]!, digest: 'tree:other' } as Dependency], digester())).toBe(false);
    expect(manifestHolds([{ ...deps[2]!, digest: 'mtime:1' } as Dependency], digester())).toBe(false);
    // The scope decides how the path is fingerprinted.
    expect(manifestHolds([{ ...deps[1]!, scope: 'file' } as Dependency], digester())).toBe(true);
    expect(manifestHolds([{ ...deps[0]!, scope: 'lastModified' } as Dependency], digester())).toBe(false);
    process.env.NIXCHECK_TEST_VAR = 'two';
    expect(manifestHolds(deps, digester())).toBe(false);
    process.env.NIXCHECK_TEST_VAR = 'one';
    process.env.NIXCHECK_TEST_NONE = '';
    expect(manifestHolds(deps, digester())).toBe(false);
  });

  it('does not hold when a fingerprint cannot be taken any more', () => {
    expect(manifestHolds([{ path: '/proc/self', scope: 'tree', digest: 'tree:x' }], digester())).toBe(false);
  });
});

describe('unionDependencies', () => {
  const file = (path: string, digest: string): Dependency => ({ path, scope: 'file', digest });
  it('both lists, once each', () => {
    expect(unionDependencies([file('/a', '1'), { env: 'X', value: null }], [file('/a', '1'), file('/b', '2')])).toEqual([file('/a', '1'), { env: 'X', value: null }, file('/b', '2')]);
    expect(unionDependencies([], [])).toEqual([]);
  });

  it('nothing when one path or variable has two fingerprints', () => {
    expect(unionDependencies([file('/a', '1')], [file('/a', '2')])).toBeUndefined();
    expect(unionDependencies([{ env: 'X', value: '1' }], [{ env: 'X', value: null }])).toBeUndefined();
  });

  it('variables of different names are different dependencies', () => {
    expect(unionDependencies([{ env: 'A', value: '1' }], [{ env: 'B', value: '2' }])).toEqual([
      { env: 'A', value: '1' },
      { env: 'B', value: '2' },
    ]);
  });

  it('a path under another scope, or a variable named like a path, is another dependency', () => {
    const tree: Dependency = { path: '/a', scope: 'tree', digest: '9' };
    expect(unionDependencies([file('/a', '1')], [tree])).toEqual([file('/a', '1'), tree]);
    expect(unionDependencies([{ env: '/a', value: 'v' }], [file('/a', '1')])).toEqual([{ env: '/a', value: 'v' }, file('/a', '1')]);
  });
});
