import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { execa } from 'execa';

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
export async function hashSources(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const top = await gitTopLevel(dir);
  if (top) {
    hash.update('git\0');
    const staged = await execa('git', ['-C', top, 'ls-files', '-s', '-z'], { encoding: 'buffer' });
    hash.update(staged.stdout as Uint8Array);
    const modified = await execa('git', ['-C', top, 'status', '--porcelain=v1', '-z', '--untracked-files=no'], { encoding: 'utf8' });
    const entries = String(modified.stdout).split('\0').filter(Boolean);
    for (const entry of entries.sort()) {
      const path = entry.slice(3);
      hash.update(entry);
      try {
        hash.update(await readFile(join(top, path)));
      } catch {
        hash.update('\0deleted');
      }
    }
    return hash.digest('hex');
  }
  hash.update('tree\0');
  for (const file of await listFiles(dir)) {
    hash.update(relative(dir, file) + '\0');
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(path).catch(() => null))?.isFile())) out.push(path);
  }
  return out;
}
