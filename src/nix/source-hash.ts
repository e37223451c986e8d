import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { FileHashCache } from './file-hash-cache.js';

/**
 * The git work tree containing `dir`, or undefined. Found by looking for `.git` upwards
 * rather than asking git: this runs on every (also fully cached) run.
 */
export async function gitTopLevel(dir: string): Promise<string | undefined> {
  let current = resolve(dir);
  for (;;) {
    if (existsSync(join(current, '.git'))) return current;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * A fingerprint of everything Nix can read from a local flake or file target. In a git
 * work tree that is what Nix copies: tracked files as they are on disk (staged blob ids,
 * plus the content of files modified since). Elsewhere, every file below the directory.
 */
export async function hashSources(dir: string, files: FileHashCache = new FileHashCache()): Promise<string> {
  const hash = createHash('sha256');
  const top = await gitTopLevel(dir);
  if (top) {
    hash.update('git\0');
    const [staged, modified] = await Promise.all([
      execa('git', ['-C', top, 'ls-files', '-s', '-z'], { encoding: 'buffer' }),
      execa('git', ['-C', top, 'status', '--porcelain=v1', '-z', '--untracked-files=no'], { encoding: 'utf8' }),
    ]);
    hash.update(staged.stdout as Uint8Array);
    const entries = String(modified.stdout).split('\0').filter(Boolean).sort();
    const digests = entries.map((entry) => {
      try {
        return files.hash(join(top, entry.slice(3)));
      } catch {
        return 'deleted';
      }
    });
    entries.forEach((entry, i) => hash.update(`${entry}\0${digests[i]}\0`));
  } else {
    hash.update('tree\0');
    const list = listFiles(dir);
    const digests = list.map((file) => files.hash(file));
    list.forEach((file, i) => hash.update(`${relative(dir, file)}\0${digests[i]}\0`));
  }
  await files.save();
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile() || (entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isFile())) out.push(path);
  }
  return out;
}
