import { ENGINE_FILES, evaluateBatch } from './evaluate-batch.js';
import { unionDependencies } from './dependency-manifest.js';
import { cacheTargetOf, defaultCacheDir, EvaluationCache, isCacheable, itemKey, type CacheLookup, type CacheRecord } from './eval-cache.js';
import { isItemOutcome, isObject } from './cache-shapes.js';
import { detectNix } from './nix-cli.js';
import { emptyReads } from './reported-reads.js';
import type { BaseTarget, EvalItem, ItemOutcome } from './request.js';
import type { SourceScope } from './source-hash.js';

/** A target to evaluate, with where its sources are. */
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
  /** Why these answers were not stored, when the cache is on but could not keep them. */
  notCached?: string;
}

type Answers = Record<string, ItemOutcome>;

/** Cached answers of one target: item key -> outcome. Items of the wrong shape are dropped (misses). */
function readAnswers(value: unknown): Answers | undefined {
  if (!isObject(value)) return undefined;
  return Object.fromEntries(Object.entries(value).filter(([, outcome]) => isItemOutcome(outcome))) as Answers;
}

export class Evaluator {
  private readonly cache: EvaluationCache | null;

  constructor(private readonly options: EvaluatorOptions) {
    const dir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
    this.cache = dir ? new EvaluationCache(dir) : null;
  }

  async evaluate(target: EvalTarget, items: readonly EvalItem[]): Promise<TargetEvaluation> {
    const started = performance.now();
    const cacheTarget = cacheTargetOf(target, ENGINE_FILES, target.base);
    const lookup = this.cache && cacheTarget ? await this.cache.lookup(cacheTarget, readAnswers) : undefined;
    const hit = lookup?.hit;
    const itemKeys = items.map(itemKey);
    const outcomes: ItemOutcome[] = new Array(items.length);
    const fromCache = items.map(() => false);
    const missing: number[] = [];
    itemKeys.forEach((k, i) => {
      const answer = hit?.value[k];
      if (answer) {
        outcomes[i] = answer;
        fromCache[i] = true;
      } else missing.push(i);
    });
    if (missing.length === 0) {
      return { outcomes, fromCache, processes: 0, durationMs: performance.now() - started, nixVersion: hit?.nixVersion ?? null };
    }
    const nix = await detectNix();
    const reads = lookup ? emptyReads() : undefined;
    const evaluationStarted = Date.now();
    const batch = await evaluateBatch(target.base, missing.map((i) => items[i]!), {
      timeoutMs: this.options.timeoutMs,
      signal: this.options.signal,
      ...(reads ? { reads } : {}),
    });
    missing.forEach((itemIndex, k) => (outcomes[itemIndex] = batch.outcomes[k]!));
    const result: TargetEvaluation = { outcomes, fromCache, processes: batch.processes, durationMs: 0, nixVersion: nix.version };
    if (this.cache && lookup && reads && !this.options.signal?.aborted) {
      const manifest = await this.cache.manifest(lookup, ENGINE_FILES, reads, evaluationStarted);
      if (manifest.cacheable) {
        const fresh: Answers = {};
        for (const i of missing) if (isCacheable(outcomes[i]!)) fresh[itemKeys[i]!] = outcomes[i]!;
        await this.store(lookup, { dependencies: manifest.dependencies, nixVersion: nix.version, value: fresh });
      } else result.notCached = manifest.reason;
    }
    result.durationMs = performance.now() - started;
    return result;
  }

  /** A record that held before this evaluation grows by the new answers, when both can hold at once. */
  private async store(lookup: CacheLookup<Answers>, fresh: CacheRecord<Answers>): Promise<void> {
    const hit = lookup.hit;
    const union = hit && unionDependencies(hit.dependencies, fresh.dependencies);
    const record = hit && union ? { ...fresh, dependencies: union, value: { ...hit.value, ...fresh.value } } : fresh;
    await this.cache!.store(lookup.key, record, readAnswers, { ...(union ? { replaces: hit } : {}), merge: (stored, added) => ({ ...stored, ...added }) });
  }
}
