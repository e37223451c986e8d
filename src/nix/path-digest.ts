import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { coarse, type FileHashCache } from './file-hash-cache.js';

/** A read the cache cannot fingerprint: whatever depends on it is not cached. */
export class UntrackableRead extends Error {}

/** More entries than this below one path is no longer a fingerprint but a disk scan. */
const MAX_TREE_ENTRIES = 100_000;
/** How far behind the system clock a file's timestamps may be (a coarse kernel clock). */
const CLOCK_LAG_MS = 25;
/** Directories whose content is not files of a configuration. */
const TOO_WIDE = ['/proc', '/sys', '/dev'];

export function storeDir(): string {
  return process.env.NIX_STORE_DIR ?? '/nix/store';
}

export function isInStore(path: string, store = storeDir()): boolean {
  return path.startsWith(`${store}/`);
}

export interface DigestOptions {
  files: FileHashCache;
  /**
   * When fingerprinting what an evaluation read, after it ran: a file changed since the
   * evaluation started (ms) may differ from what Nix saw, so it is not fingerprinted.
   */
  changedSince?: number;
}

/**
 * Fingerprints of paths as an evaluation may read them: `file` for a file Nix evaluated,
 * `tree` for a path with everything below it (what `readDir`, a copy to the store or a
 * path built on it can reach). Store paths never change and are not read. Fingerprints
 * are memoised per instance: one instance serves one lookup or one recording.
 */
export class PathDigester {
  private readonly memo = new Map<string, string>();
  private readonly store = storeDir();

  constructor(private readonly options: DigestOptions) {}

  file(path: string): string {
    return this.memoised(`file\0${path}`, () => {
      if (isInStore(path, this.store)) return 'store';
      const stats = this.stat(path, statSync);
      if (!stats) return this.absent(path);
      if (stats.isDirectory()) return this.tree(path);
      return this.contentDigest(path, stats);
    });
  }

  tree(path: string): string {
    const absolute = resolve(path);
    return this.memoised(`tree\0${absolute}`, () => {
      if (isInStore(absolute, this.store)) return 'store';
      const real = this.realpath(absolute);
      if (real && isInStore(real, this.store)) return `store:${real}`;
      const wide = [absolute, real].find((p) => p !== undefined && this.tooWide(p));
      if (wide) throw new UntrackableRead(`${wide} is too wide to fingerprint`);
      if (!this.stat(absolute, lstatSync)) return this.absent(absolute);
      const counter = { entries: 0 };
      const hash = createHash('sha256');
      this.walk(absolute, hash, counter, new Set());
      return `tree:${hash.digest('hex')}`;
    });
  }

  /**
   * The newest modification time of anything below `dir`, `.git` included: what Nix gives
   * a `path:` flake as `lastModified`.
   */
  lastModified(dir: string): string {
    return this.memoised(`lastModified\0${dir}`, () => {
      let newest = 0;
      let entries = 0;
      const visit = (path: string) => {
        if (++entries > MAX_TREE_ENTRIES) throw new UntrackableRead(`more than ${MAX_TREE_ENTRIES} files below ${dir}`);
        const stats = this.stat(path, lstatSync);
        if (!stats) return;
        newest = Math.max(newest, stats.mtimeMs);
        if (stats.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
      };
      visit(dir);
      const since = this.options.changedSince;
      if (since !== undefined && newest >= since - CLOCK_LAG_MS) throw new UntrackableRead(`a file below ${dir} changed while Nix was evaluating`);
      return `mtime:${newest}`;
    });
  }

  private walk(path: string, hash: ReturnType<typeof createHash>, counter: { entries: number }, ancestors: Set<string>): void {
    if (++counter.entries > MAX_TREE_ENTRIES) throw new UntrackableRead(`more than ${MAX_TREE_ENTRIES} files below ${path}`);
    const stats = this.stat(path, lstatSync);
    if (!stats) {
      hash.update(`${this.absent(path)}\0`);
      return;
    }
    if (stats.isSymbolicLink()) {
      // Copies keep the link, reads follow it: both matter.
      hash.update(`link\0${readlinkSync(path)}\0`);
      const target = this.realpath(path);
      if (!target) hash.update('dangling\0');
      else if (isInStore(target, this.store)) hash.update(`store:${target}\0`);
      else if (ancestors.has(target)) hash.update('cycle\0');
      else this.walk(target, hash, counter, ancestors);
      return;
    }
    if (stats.isFile()) {
      hash.update(`file\0${this.contentDigest(path, stats)}\0`);
      return;
    }
    if (!stats.isDirectory()) {
      hash.update('special\0');
      return;
    }
    if (this.tooWide(path)) throw new UntrackableRead(`${path} is too wide to fingerprint`);
    this.checkUnchanged(path, stats);
    const real = this.realpath(path) ?? path;
    ancestors.add(real);
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch (err) {
      throw new UntrackableRead(`cannot list ${path}: ${(err as Error).message}`);
    }
    hash.update(`dir\0${names.length}\0`);
    for (const name of names) {
      hash.update(`${name}\0`);
      this.walk(join(path, name), hash, counter, ancestors);
    }
    ancestors.delete(real);
  }

  private contentDigest(path: string, stats: Stats): string {
    this.checkUnchanged(path, stats);
    try {
      // The executable bit is part of what a copy to the store keeps.
      return `${stats.mode & 0o111 ? 'x' : 'f'}:${this.options.files.hash(path, stats)}`;
    } catch (err) {
      throw new UntrackableRead(`cannot read ${path}: ${(err as Error).message}`);
    }
  }

  /** A path that does not exist, unless its removal may have happened while Nix was evaluating. */
  private absent(path: string): string {
    if (this.options.changedSince !== undefined) {
      for (let dir = dirname(path); ; dir = dirname(dir)) {
        const stats = this.stat(dir, statSync);
        if (stats) {
          this.checkUnchanged(dir, stats);
          break;
        }
        if (dirname(dir) === dir) break;
      }
    }
    return 'absent';
  }

  private checkUnchanged(path: string, stats: Stats): void {
    const since = this.options.changedSince;
    if (since === undefined) return;
    // File times come from a clock that may lag the system clock by a scheduler tick; with
    // whole-second (or FAT's two-second) times, the seconds around the start count.
    const threshold = coarse(stats.ctimeMs) ? Math.floor(since / 1000) * 1000 - 1000 : since - CLOCK_LAG_MS;
    if (stats.ctimeMs >= threshold) throw new UntrackableRead(`${path} changed while Nix was evaluating`);
  }

  private stat(path: string, how: (p: string) => Stats): Stats | undefined {
    try {
      return how(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new UntrackableRead(`cannot stat ${path}: ${(err as Error).message}`);
    }
  }

  private realpath(path: string): string | undefined {
    try {
      return realpathSync.native(path);
    } catch {
      return undefined;
    }
  }

  /** The root, the store's ancestors, kernel file systems. */
  private tooWide(path: string): boolean {
    if (path === sep || `${this.store}/`.startsWith(`${path}/`)) return true;
    return TOO_WIDE.some((dir) => path === dir || path.startsWith(`${dir}/`)) || dirname(path) === path;
  }

  private memoised(key: string, compute: () => string): string {
    let digest = this.memo.get(key);
    if (digest === undefined) {
      digest = compute();
      this.memo.set(key, digest);
    }
    return digest;
  }
}
