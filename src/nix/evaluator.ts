import { readFile } from 'node:fs/promises';
import { VERSION } from '../run/version.js';
import { ENGINE_FILES, evaluateBatch } from './evaluate-batch.js';
import { defaultCacheDir, isCacheable, itemKey, nixFingerprint, readCacheEntry, sha256, targetKey, writeCacheEntry } from './eval-cache.js';
import { detectNix, nixBinary } from './nix-cli.js';
import type { BaseTarget, EvalItem, ItemOutcome } from './request.js';
import { FileHashCache } from './file-hash-cache.js';
import { hashSources, type SourceScope } from './source-hash.js';

/** A target to evaluate, with the local directory whose content decides its cache key. */
export interface EvalTarget {
  base: BaseTarget;
  /** Local sources the evaluation reads; undefined for remote flakes (never cached). */
  sourceDir?: string;
  /** How Nix reads them (default: as a flake directory). */
  sourceScope?: SourceScope;
}

export interface EvaluatorOptions {
  /** Per Nix process; the whole process group is killed when it runs out. */
  timeoutMs: number;
  /** null disables the cache. */
  cacheDir?: string | null;
  signal?: AbortSignal;
}

export interface TargetEvaluation {
  outcomes: ItemOutcome[];
  fromCache: boolean[];
  processes: number;
  durationMs: number;
  nixVersion: string | null;
}

export class Evaluator {
  private readonly cacheDir: string | null;
  private engineHash?: Promise<string>;
  private readonly sourceHashes = new Map<string, Promise<string>>();

  constructor(private readonly options: EvaluatorOptions) {
    this.cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  }

  async evaluate(target: EvalTarget, items: readonly EvalItem[]): Promise<TargetEvaluation> {
    const started = performance.now();
    const key = await this.keyFor(target);
    const entry = key && this.cacheDir ? await readCacheEntry(this.cacheDir, key) : undefined;
    const itemKeys = items.map(itemKey);
    const outcomes: ItemOutcome[] = new Array(items.length);
    const fromCache = items.map(() => false);
    const missing: number[] = [];
    itemKeys.forEach((k, i) => {
      const hit = entry?.items[k];
      if (hit) {
        outcomes[i] = hit;
        fromCache[i] = true;
      } else missing.push(i);
    });
    if (missing.length === 0) {
      return { outcomes, fromCache, processes: 0, durationMs: performance.now() - started, nixVersion: entry?.nixVersion ?? null };
    }
    const nix = await detectNix();
    const batch = await evaluateBatch(target.base, missing.map((i) => items[i]!), {
      timeoutMs: this.options.timeoutMs,
      signal: this.options.signal,
    });
    missing.forEach((itemIndex, k) => (outcomes[itemIndex] = batch.outcomes[k]!));
    if (key && this.cacheDir && !this.options.signal?.aborted) {
      // Re-read just before writing: another evaluation may have added to the same entry.
      // A cache that cannot be written costs speed next time, never this run's answers.
      try {
        const latest = (await readCacheEntry(this.cacheDir, key)) ?? { nixVersion: nix.version, items: {} };
        missing.forEach((itemIndex) => {
          if (isCacheable(outcomes[itemIndex]!)) latest.items[itemKeys[itemIndex]!] = outcomes[itemIndex]!;
        });
        latest.nixVersion = nix.version;
        await writeCacheEntry(this.cacheDir, key, latest);
      } catch (err) {
        process.stderr.write(`nixcheck: could not write the evaluation cache: ${(err as Error).message}\n`);
      }
    }
    return { outcomes, fromCache, processes: batch.processes, durationMs: performance.now() - started, nixVersion: nix.version };
  }

  private async keyFor(target: EvalTarget): Promise<string | undefined> {
    if (!this.cacheDir || !target.sourceDir) return undefined;
    // Every Nix file the engine imports, and nixcheck's version, decide what an answer means.
    this.engineHash ??= Promise.all(ENGINE_FILES.map((f) => readFile(f))).then((contents) => sha256(`${VERSION}\0${contents.join('\0')}`));
    // Targets evaluated at the same time share one hash; a later call hashes again,
    // since a long-lived evaluator (the vitest API, a watch mode) sees files change.
    const dir = target.sourceDir;
    const scope = target.sourceScope ?? 'nix-git';
    const memo = `${scope}\0${dir}`;
    let sources = this.sourceHashes.get(memo);
    if (!sources) {
      sources = hashSources(dir, scope, FileHashCache.in(this.cacheDir)).finally(() => this.sourceHashes.delete(memo));
      this.sourceHashes.set(memo, sources);
    }
    return targetKey({ engine: await this.engineHash, nix: await nixFingerprint(nixBinary()), base: target.base, sources: await sources });
  }
}
