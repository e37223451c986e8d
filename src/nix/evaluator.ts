import { readFile } from 'node:fs/promises';
import { sep } from 'node:path';
import { VERSION } from '../run/version.js';
import { packagePath } from '../util/package-root.js';
import { defaultCacheDir, isCacheable, itemKey, nixFingerprint, readCacheEntry, sha256, targetKey, writeCacheEntry, type CacheEntry } from './eval-cache.js';
import { detectNix, nixBinary } from './nix-cli.js';
import type { BaseTarget, EvalItem, ItemOutcome } from './request.js';
import { FileHashCache } from './file-hash-cache.js';
import { evaluateInSessions } from './session-pool.js';
import { SESSION_FILE } from './session-protocol.js';
import { gitTopLevel, hashSources, type SourceScope } from './source-hash.js';

/** The Nix files that answer: the cache key covers all of them. */
export const ENGINE_FILES = [SESSION_FILE, packagePath('src', 'nix', 'engine.nix'), packagePath('src', 'nix', 'common.nix')];

/** A target to evaluate, with the local directory whose content decides its cache key. */
export interface EvalTarget {
  base: BaseTarget;
  /** Local sources the evaluation reads; undefined for remote flakes (never cached). */
  sourceDir?: string;
  /** How Nix reads them (default: as a flake directory). */
  sourceScope?: SourceScope;
  /** Local files and directories it reads besides: cached only when the sources cover them all. */
  reads?: string[];
}

export interface EvaluatorOptions {
  /** Per target in a Nix process; the whole process group is killed when it runs out. */
  timeoutMs: number;
  /** null disables the cache. */
  cacheDir?: string | null;
  signal?: AbortSignal;
}

export interface TargetEvaluation {
  outcomes: ItemOutcome[];
  fromCache: boolean[];
  /** Nix processes the items not in the cache were evaluated in (0: all from the cache). */
  processes: number;
  durationMs: number;
  nixVersion: string | null;
  /**
   * Every file the evaluating processes had read by the end of this target (a superset of
   * what it read); [] when it came from the cache, undefined when Nix did not say.
   */
  filesRead?: string[];
}

export interface TargetRequest {
  target: EvalTarget;
  items: readonly EvalItem[];
}

export interface EvaluateManyOptions {
  /** Nix processes at most. */
  jobs: number;
  onTargetStart?: (index: number) => void;
  onTargetEnd?: (index: number, evaluation: TargetEvaluation) => void;
}

export class Evaluator {
  private readonly cacheDir: string | null;
  private engineHash?: Promise<string>;
  private readonly sourceHashes = new Map<string, Promise<string>>();

  constructor(private readonly options: EvaluatorOptions) {
    this.cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  }

  async evaluate(target: EvalTarget, items: readonly EvalItem[]): Promise<TargetEvaluation> {
    return (await this.evaluateMany([{ target, items }], { jobs: 1 }))[0]!;
  }

  /**
   * Answer many targets' items: from the cache where it has them, the rest in at most
   * `jobs` shared Nix processes. Results come back in request order.
   */
  async evaluateMany(requests: readonly TargetRequest[], options: EvaluateManyOptions): Promise<TargetEvaluation[]> {
    const started = performance.now();
    const looked = await Promise.all(requests.map((r) => this.lookUp(r)));
    const results: TargetEvaluation[] = new Array(requests.length);
    const toEvaluate: number[] = [];
    looked.forEach((l, index) => {
      if (l.missing.length > 0) return toEvaluate.push(index);
      options.onTargetStart?.(index);
      results[index] = { outcomes: l.outcomes, fromCache: l.fromCache, processes: 0, durationMs: performance.now() - started, nixVersion: l.entry?.nixVersion ?? null, filesRead: [] };
      options.onTargetEnd?.(index, results[index]);
    });
    if (toEvaluate.length === 0) return results;

    const nix = await detectNix();
    const writes: Promise<void>[] = [];
    await evaluateInSessions(
      toEvaluate.map((index) => ({ base: requests[index]!.target.base, items: looked[index]!.missing.map((i) => requests[index]!.items[i]!) })),
      {
        jobs: options.jobs,
        timeoutMs: this.options.timeoutMs,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        onTargetStart: (k) => options.onTargetStart?.(toEvaluate[k]!),
        onTargetDone: (k, run) => {
          const index = toEvaluate[k]!;
          const l = looked[index]!;
          l.missing.forEach((itemIndex, m) => (l.outcomes[itemIndex] = run.outcomes[m]!));
          results[index] = { outcomes: l.outcomes, fromCache: l.fromCache, processes: run.processes, durationMs: run.durationMs, nixVersion: nix.version, ...(run.filesRead ? { filesRead: run.filesRead } : {}) };
          writes.push(this.store(l, nix.version));
          options.onTargetEnd?.(index, results[index]);
        },
      },
    );
    await Promise.all(writes);
    return results;
  }

  private async lookUp(request: TargetRequest): Promise<Lookup> {
    const key = await this.keyFor(request.target);
    const entry = key && this.cacheDir ? await readCacheEntry(this.cacheDir, key) : undefined;
    const itemKeys = request.items.map(itemKey);
    const outcomes: ItemOutcome[] = new Array(request.items.length);
    const fromCache = request.items.map(() => false);
    const missing: number[] = [];
    itemKeys.forEach((k, i) => {
      const hit = entry?.items[k];
      if (hit) {
        outcomes[i] = hit;
        fromCache[i] = true;
      } else missing.push(i);
    });
    return { key, entry, itemKeys, outcomes, fromCache, missing };
  }

  private async store(l: Lookup, nixVersion: string): Promise<void> {
    if (!l.key || !this.cacheDir || this.options.signal?.aborted) return;
    // Re-read just before writing: another evaluation may have added to the same entry.
    // A cache that cannot be written costs speed next time, never this run's answers.
    try {
      const latest = (await readCacheEntry(this.cacheDir, l.key)) ?? { nixVersion, items: {} };
      l.missing.forEach((itemIndex) => {
        if (isCacheable(l.outcomes[itemIndex]!)) latest.items[l.itemKeys[itemIndex]!] = l.outcomes[itemIndex]!;
      });
      latest.nixVersion = nixVersion;
      await writeCacheEntry(this.cacheDir, l.key, latest);
    } catch (err) {
      process.stderr.write(`nixcheck: could not write the evaluation cache: ${(err as Error).message}\n`);
    }
  }

  private async keyFor(target: EvalTarget): Promise<string | undefined> {
    if (!this.cacheDir || !target.sourceDir) return undefined;
    // Every Nix file the engine imports, and nixcheck's version, decide what an answer means.
    this.engineHash ??= Promise.all(ENGINE_FILES.map((f) => readFile(f))).then((contents) => sha256(`${VERSION}\0${contents.join('\0')}`));
    // Targets evaluated at the same time share one hash; a later call hashes again,
    // since a long-lived evaluator (the vitest API, a watch mode) sees files change.
    const dir = target.sourceDir;
    const scope = target.sourceScope ?? 'nix-git';
    if (target.reads && !(await covers(dir, scope, target.reads))) return undefined;
    const memo = `${scope}\0${dir}`;
    let sources = this.sourceHashes.get(memo);
    if (!sources) {
      sources = hashSources(dir, scope, FileHashCache.in(this.cacheDir)).finally(() => this.sourceHashes.delete(memo));
      this.sourceHashes.set(memo, sources);
    }
    return targetKey({ engine: await this.engineHash, nix: await nixFingerprint(nixBinary()), base: target.base, sources: await sources });
  }
}

/** Whether the fingerprint of `dir` (see hashSources) changes when any of `paths` does. */
async function covers(dir: string, scope: SourceScope, paths: readonly string[]): Promise<boolean> {
  const root = (scope === 'path' ? undefined : await gitTopLevel(dir)) ?? dir;
  return paths.every((p) => p.startsWith('/nix/store/') || p === root || p.startsWith(`${root}${sep}`));
}

interface Lookup {
  key: string | undefined;
  entry: CacheEntry | undefined;
  itemKeys: string[];
  outcomes: ItemOutcome[];
  fromCache: boolean[];
  /** Items the cache does not answer. */
  missing: number[];
}
