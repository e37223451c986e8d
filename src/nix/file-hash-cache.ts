import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * Content hashes of files, remembered by (size, mtime, inode) as git's index does, so an
 * unchanged tree is fingerprinted from stat() calls alone. A changed stat means the file
 * is read and hashed again: the fingerprint stays content-addressed.
 */
export class FileHashCache {
  private entries: Record<string, [number, number, number, string]> = {};
  private dirty = false;
  private loaded = false;

  constructor(private readonly file?: string) {}

  static in(cacheDir: string | null): FileHashCache {
    return new FileHashCache(cacheDir ? join(cacheDir, 'file-hashes.json') : undefined);
  }

  /** Synchronous on purpose: thousands of stat() calls finish faster than they queue. */
  hash(path: string): string {
    this.load();
    const s = statSync(path);
    const known = this.entries[path];
    if (known && known[0] === s.size && known[1] === s.mtimeMs && known[2] === s.ino) return known[3];
    const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
    this.entries[path] = [s.size, s.mtimeMs, s.ino, digest];
    this.dirty = true;
    return digest;
  }

  /** Remembering hashes only saves time later: a failed write is reported, not fatal. */
  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    try {
      await writeFileAtomic(this.file, JSON.stringify(this.entries));
    } catch (err) {
      process.stderr.write(`nixcheck: could not write ${this.file}: ${(err as Error).message}\n`);
    }
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.file) return;
    try {
      this.entries = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      this.entries = {};
    }
  }
}
