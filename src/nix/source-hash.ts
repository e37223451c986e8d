import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { FileHashCache } from './file-hash-cache.js';

/**
 * The git work tree containing `dir`, or undefined. Found by looking for `.git` upwards
 * rather than asking git: this runs on every (also fully cached) run.
 */
export function gitTopLevel(dir: string): string | undefined {
  let current = resolve(dir);
  for (;;) {
    if (existsSync(join(current, '.git'))) return current;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * What Nix can read of a local target:
 * - `nix-git`: a flake given as a directory or `git+file:`. Inside a git work tree Nix
 *   copies the tracked files as they are on disk; elsewhere every file of the directory.
 * - `path`: a `path:` flake: every file below the directory, untracked ones included.
 * - `files`: a Nix file read from disk, which may import anything: the cache records
 *   what its evaluation reads (dependency-manifest.ts) instead of fingerprinting a tree.
 */
export type SourceScope = 'nix-git' | 'path' | 'files';
export type FlakeScope = Exclude<SourceScope, 'files'>;

/**
 * A fingerprint of every file Nix copies of a local flake, taken before evaluating it;
 * in git also the commit, which Nix gives the flake (`self.rev`, `lastModified`,
 * `revCount`). A `path:` flake's `lastModified` (the newest modification time of its
 * files) is a dependency only of evaluations that read it (dependency-manifest.ts).
 */
export async function hashSources(dir: string, scope: FlakeScope, files: FileHashCache = new FileHashCache()): Promise<string> {
  const hash = createHash('sha256');
  const top = scope === 'path' ? undefined : gitTopLevel(dir);
  if (top) {
    hash.update('git\0');
    const [staged, modified, head] = await Promise.all([
      execa('git', ['-C', top, 'ls-files', '-s', '-z'], { encoding: 'buffer' }),
      execa('git', ['-C', top, 'status', '--porcelain=v1', '-z', '--untracked-files=no'], { encoding: 'utf8' }),
      execa('git', ['-C', top, 'rev-parse', '--verify', '--quiet', 'HEAD'], { encoding: 'utf8', reject: false }),
    ]);
    hash.update(staged.stdout as Uint8Array);
    const entries = String(modified.stdout).split('\0').filter(Boolean).sort();
    entries.forEach((entry) => hash.update(`${entry}\0${digestOrDeleted(files, join(top, entry.slice(3)))}\0`));
    hash.update(`head\0${head.exitCode === 0 ? String(head.stdout).trim() : 'none'}\0`);
  } else {
    hash.update('tree\0');
    listFiles(dir).forEach(([file, stats]) => hash.update(`${relative(dir, file)}\0${files.hash(file, stats)}\0`));
  }
  await files.save();
  return hash.digest('hex');
}

function digestOrDeleted(files: FileHashCache, path: string): string {
  try {
    return files.hash(path);
  } catch {
    return 'deleted';
  }
}

/** The files below a directory, with their stat (unless a link). */
function listFiles(dir: string): [string, Stats | undefined][] {
  const out: [string, Stats | undefined][] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const stats = lstatSync(path);
    if (stats.isDirectory()) out.push(...listFiles(path));
    else if (stats.isFile()) out.push([path, stats]);
    else if (stats.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isFile()) out.push([path, undefined]);
  }
  return out;
}
