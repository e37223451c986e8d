import { unionDependencies } from './dependency-manifest.js';
import { cacheTargetOf, isCacheable, itemKey } from './cache-key.js';
import { defaultCacheDir, EvaluationCache, type CacheEnvironment, type CacheLookup, type CacheRecord } from './eval-cache.js';
import { isItemOutcome, isObject } from './cache-shapes.js';
import { detectNix } from './nix-cli.js';
import type { BaseTarget, EvalItem, ItemOutcome } from './request.js';
import { evaluateInSessions, type TargetRun } from './session-pool.js';
import { PROGRAM_PATHS, traceSwitch as traceSwitchOf } from './session-protocol.js';
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
  /** Why these answers were not stored, when the cache is on but could not keep them. */
  notCached?: string;
  /** The outcomes of the follow-ups `followUp` asked for, by the index of the item each follows. */
  followUps?: Map<number, ItemOutcome>;
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
  /**
   * Whether an item's error (its message alone) needs its whole trace: Nix then gives it
   * at once, in the same process, where its repl can switch traces on (Nix 2.6 and
   * later). The answer kept, and cached, for the item is the traced one.
   */
  traceWanted?: (index: number, item: number, outcome: ItemOutcome) => boolean;
  /**
   * An item to evaluate once an item evaluated here has its outcome, in the same process
   * where it can (see PoolOptions.followUp); cached under its own key. Not asked for
   * answers from the cache.
   */
  followUp?: (index: number, item: number, outcome: ItemOutcome) => EvalItem | undefined;
}

type Answers = Record<string, ItemOutcome>;

/** Cached answers of one target: item key -> outcome. Items of the wrong shape are dropped (misses). */
function readAnswers(value: unknown): Answers | undefined {
  if (!isObject(value)) return undefined;
  return Object.fromEntries(Object.entries(value).filter(([, outcome]) => isItemOutcome(outcome))) as Answers;
}

/** One target's answers so far: from the cache, and which items it did not answer. */
interface Lookup {
  cache?: CacheLookup<Answers>;
  itemKeys: string[];
  outcomes: ItemOutcome[];
  fromCache: boolean[];
  missing: number[];
}

export class Evaluator {
  private readonly cache: EvaluationCache | null;

  constructor(private readonly options: EvaluatorOptions) {
    const dir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
    this.cache = dir ? new EvaluationCache(dir) : null;
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
    const environment = this.cache ? await this.cache.environment() : undefined;
    const looked = await Promise.all(requests.map((r) => this.lookUp(r, environment)));
    const results: TargetEvaluation[] = new Array(requests.length);
    const toEvaluate: number[] = [];
    looked.forEach((l, index) => {
      if (l.missing.length > 0) return toEvaluate.push(index);
      options.onTargetStart?.(index);
      results[index] = { outcomes: l.outcomes, fromCache: l.fromCache, processes: 0, durationMs: performance.now() - started, nixVersion: l.cache?.hit?.nixVersion ?? null };
      options.onTargetEnd?.(index, results[index]);
    });
    if (toEvaluate.length === 0) {
      await this.cache?.saveFileHashes();
      return results;
    }

    const nix = await detectNix();
    const wanted = options.traceWanted;
    const traceSwitch = traceSwitchOf(nix.version);
    // The pool numbers targets and items among those it evaluates; callers, among their requests.
    const inRequest =
      <T>(ask: (index: number, item: number, outcome: ItemOutcome) => T) =>
      (k: number, m: number, outcome: ItemOutcome) =>
        ask(toEvaluate[k]!, looked[toEvaluate[k]!]!.missing[m]!, outcome);
    const stored: Promise<void>[] = [];
    await evaluateInSessions(
      toEvaluate.map((index) => ({ base: requests[index]!.target.base, items: looked[index]!.missing.map((i) => requests[index]!.items[i]!) })),
      {
        jobs: options.jobs,
        timeoutMs: this.options.timeoutMs,
        // What Nix reads is what the cache keys its answers by.
        reportReads: looked.some((l) => l.cache !== undefined),
        showTrace: toEvaluate.some((index) => looked[index]!.missing.some((i) => requests[index]!.items[i]!.trace)),
        ...(traceSwitch && wanted ? { traceSwitch, traceWanted: inRequest(wanted) } : {}),
        ...(options.followUp ? { followUp: inRequest(options.followUp) } : {}),
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        onTargetStart: (k) => options.onTargetStart?.(toEvaluate[k]!),
        onTargetDone: (k, run) => {
          const index = toEvaluate[k]!;
          const l = looked[index]!;
          l.missing.forEach((itemIndex, m) => (l.outcomes[itemIndex] = run.outcomes[m]!));
          const result: TargetEvaluation = { outcomes: l.outcomes, fromCache: l.fromCache, processes: run.processes, durationMs: run.durationMs, nixVersion: nix.version };
          if (run.followUps) result.followUps = new Map(run.followUps.map((f) => [l.missing[f.item]!, f.outcome]));
          // The next run's answers; this run's are final already.
          stored.push(
            this.remember(l, run, nix.version).then((reason) => {
              if (reason !== undefined) result.notCached = reason;
            }),
          );
          results[index] = result;
          options.onTargetEnd?.(index, result);
        },
      },
    );
    await Promise.all(stored);
    await this.cache?.saveFileHashes();
    return results;
  }

  /** `environment`: the cache's for this batch; undefined when nothing can be cached. */
  private async lookUp(request: TargetRequest, environment: CacheEnvironment | undefined): Promise<Lookup> {
    const cacheTarget = this.cache && environment ? cacheTargetOf(request.target, PROGRAM_PATHS, request.target.base) : undefined;
    const cache = cacheTarget ? await this.cache!.lookup(cacheTarget, readAnswers, environment) : undefined;
    const itemKeys = request.items.map(itemKey);
    const outcomes: ItemOutcome[] = new Array(request.items.length);
    const fromCache = request.items.map(() => false);
    const missing: number[] = [];
    itemKeys.forEach((k, i) => {
      const answer = cache?.hit?.value[k];
      if (answer) {
        outcomes[i] = answer;
        fromCache[i] = true;
      } else missing.push(i);
    });
    return { ...(cache ? { cache } : {}), itemKeys, outcomes, fromCache, missing };
  }

  /**
   * Store the answers of a target just evaluated under what its processes reported
   * reading, from their start to the end of the target; the reason when they cannot be.
   */
  private async remember(l: Lookup, run: TargetRun, nixVersion: string): Promise<string | undefined> {
    if (!this.cache || !l.cache || this.options.signal?.aborted) return undefined;
    if (!run.reads || run.processStartedAt === undefined) return 'Nix did not report what it read';
    const manifest = await this.cache.manifest(l.cache, PROGRAM_PATHS, run.reads, run.processStartedAt);
    if (!manifest.cacheable) return manifest.reason;
    const fresh: Answers = {};
    for (const i of l.missing) if (isCacheable(l.outcomes[i]!)) fresh[l.itemKeys[i]!] = l.outcomes[i]!;
    for (const f of run.followUps ?? []) if (isCacheable(f.outcome)) fresh[itemKey(f.followUp)] = f.outcome;
    await this.store(l.cache, { dependencies: manifest.dependencies, nixVersion, value: fresh });
    return undefined;
  }

  /** A record that held before this evaluation grows by the new answers, when both can hold at once. */
  private async store(lookup: CacheLookup<Answers>, fresh: CacheRecord<Answers>): Promise<void> {
    const hit = lookup.hit;
    const union = hit && unionDependencies(hit.dependencies, fresh.dependencies);
    const record = hit && union ? { ...fresh, dependencies: union, value: { ...hit.value, ...fresh.value } } : fresh;
    await this.cache!.store(lookup.key, record, readAnswers, { ...(union ? { replaces: hit } : {}), merge: (stored, added) => ({ ...stored, ...added }) });
  }
}
