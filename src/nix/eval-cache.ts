import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { BaseTarget, EvalItem, ItemOutcome } from './request.js';

/**
 * A content-addressed cache of item outcomes. The key of a target covers the engine,
 * the Nix binary, the target and the fingerprint of the sources it reads; an item's key
 * covers its variant and path. Looking something up starts no process.
 */
export interface CacheEntry {
  nixVersion: string | null;
  items: Record<string, ItemOutcome>;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'nixcheck');
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function itemKey(item: EvalItem): string {
  return sha256(JSON.stringify([item.variant, item.root, item.path, item.evidence, item.names ?? false]));
}

/** Identify the Nix binary without running it: its resolved path, size and mtime. */
export async function nixFingerprint(binary: string): Promise<string> {
  const candidates = isAbsolute(binary) ? [binary] : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, binary));
  for (const candidate of candidates) {
    try {
      const real = await realpath(candidate);
      const s = await stat(real);
      if (s.isFile()) return `${real}:${s.size}:${s.mtimeMs}`;
    } catch {
      // not in this PATH entry
    }
  }
  return `missing:${binary}`;
}

export function targetKey(parts: { engine: string; nix: string; base: BaseTarget; sources: string }): string {
  return sha256(JSON.stringify({ ...parts, nixPath: process.env.NIX_PATH ?? '' }));
}

export async function readCacheEntry(dir: string, key: string): Promise<CacheEntry | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as CacheEntry;
  } catch {
    return undefined;
  }
}

export async function writeCacheEntry(dir: string, key: string, entry: CacheEntry): Promise<void> {
  await writeFileAtomic(join(dir, `${key}.json`), JSON.stringify(entry));
}

/**
 * Timeouts depend on the machine, target errors can be transient (inputs, network), and
 * a process killed without Nix's own error (the OOM killer) says nothing about the config.
 */
export function isCacheable(outcome: ItemOutcome): boolean {
  if (outcome.status === 'value' || outcome.reason === 'throw') return true;
  return outcome.reason === 'fatal' && outcome.error.startsWith('error:');
}
