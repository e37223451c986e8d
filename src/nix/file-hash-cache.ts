import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { readCacheFile, writeCacheFile } from './cache-file.js';

/** size, mtime, ctime, inode, when it was hashed (ms), content hash. */
type Entry = [number, number, number, number, number, string];

/**
 * Content hashes of files, remembered by (size, mtime, ctime, inode) as git's index does,
 * so an unchanged tree is fingerprinted from stat() calls alone. A changed stat means the
 * file is read and hashed again: the fingerprint stays content-addressed.
 *
 * On a file system with whole-second timestamps, a file written twice within one second
 * keeps its stat; like git's "racily clean" entries, such a hash is trusted only when the
 * file had not changed for two seconds when it was hashed.
 */
export class FileHashCache {
  private entries: Record<string, Entry> = {};
  private dirty = false;
  private loaded = false;
  private saving?: Promise<void>;

  constructor(private readonly file?: string) {}

  static in(cacheDir: string | null): FileHashCache {
    return new FileHashCache(cacheDir ? join(cacheDir, 'file-hashes.json') : undefined);
  }

  /** Synchronous on purpose: thousands of stat() calls finish faster than they queue. */
  hash(path: string, stats: Stats = statSync(path)): string {
    this.load();
    const known = this.entries[path];
    if (known && sameFile(known, stats) && (!coarse(stats.ctimeMs) || stats.ctimeMs + 2000 <= known[4])) return known[5];
    const hashedAt = Date.now();
    const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
    this.entries[path] = [stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino, hashedAt, digest];
    this.dirty = true;
    return digest;
  }

  /**
   * Remembering hashes only saves time later: a failed write is reported, not fatal. One
   * write at a time: parallel evaluations asking meanwhile are served by the next one.
   */
  async save(): Promise<void> {
    while (this.saving) await this.saving;
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    this.saving = writeCacheFile(this.file, this.entries).finally(() => (this.saving = undefined));
    await this.saving;
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.file) return;
    const read = readCacheFile(this.file);
    if (read.status === 'absent') return;
    // Whatever is not an entry of the expected shape is forgotten, and the file rewritten.
    this.dirty = true;
    if (read.status !== 'ok' || typeof read.data !== 'object' || read.data === null || Array.isArray(read.data)) return;
    let valid = true;
    for (const [path, entry] of Object.entries(read.data)) {
      if (isEntry(entry)) this.entries[path] = entry;
      else valid = false;
    }
    this.dirty = !valid;
  }
}

function isEntry(value: unknown): value is Entry {
  return (
    Array.isArray(value) &&
    value.length === 6 &&
    value.slice(0, 5).every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    typeof value[5] === 'string' &&
    /^[0-9a-f]{64}$/.test(value[5])
  );
}

function sameFile(entry: Entry, stats: Stats): boolean {
  return entry[0] === stats.size && entry[1] === stats.mtimeMs && entry[2] === stats.ctimeMs && entry[3] === stats.ino;
}

/** Whole-second timestamps (FAT, HFS+, some network file systems). */
export function coarse(timeMs: number): boolean {
  return timeMs % 1000 === 0;
}
