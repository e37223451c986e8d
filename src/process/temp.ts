import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackTempPath } from './registry.js';

/** A fresh temporary directory (under `parent`, default the system's), removed if nixcheck is interrupted. */
export async function makeTempDir(prefix: string, parent = tmpdir()): Promise<TempDir> {
  const path = await mkdtemp(join(parent, prefix));
  const untrack = trackTempPath(path);
  return {
    path,
    async remove() {
      await rm(path, { recursive: true, force: true });
      untrack();
    },
  };
}

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

/** Run `use` with a temporary directory that is removed afterwards, whatever happens. */
export async function withTempDir<T>(prefix: string, use: (dir: string) => Promise<T>, parent?: string): Promise<T> {
  const dir = await makeTempDir(prefix, parent);
  try {
    return await use(dir.path);
  } finally {
    await dir.remove().catch(() => {});
  }
}
