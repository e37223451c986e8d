import { stoppingSignal } from '../process/registry.js';
import { EvalSession, type Retrace } from './eval-session.js';
import { isolate, stepOutcome, type Isolation, type WorkUnit } from './isolation.js';
import { emptyReads, mergeReads, type ReportedReads } from './reported-reads.js';
import { engineRequest, type BaseTarget, type EvalItem, type ItemOutcome } from './request.js';
import type { TraceSwitch } from './session-protocol.js';

export interface PoolTarget {
  base: BaseTarget;
  items: readonly EvalItem[];
}

export interface TargetRun {
  outcomes: ItemOutcome[];
  /** What `followUp` asked for, with the index of the item each follows. */
  followUps?: { item: number; followUp: EvalItem; outcome: ItemOutcome }[];
  /** Nix processes this target's items were evaluated in. */
  processes: number;
  /**
   * With `reportReads`: what its processes reported reading from their start up to the
   * end of this target's last unit in each (a superset of what the target read).
   */
  reads?: ReportedReads;
  /** When the first of its processes started (ms since the epoch); undefined when none ran. */
  processStartedAt?: number;
  durationMs: number;
}

export interface PoolResult {
  /** Per target, in the order given. */
  targets: TargetRun[];
  /** Nix processes started, and the most that ran at once. */
  processes: { started: number; peak: number };
}

export interface PoolOptions {
  /** Nix processes at most (each evaluates one unit at a time). */
  jobs: number;
  /** Per unit (a target's items in one process). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Have Nix report what it reads (for the cache). */
  reportReads?: boolean;
  /** Run Nix with `--show-trace` (see EvalItem.trace). */
  showTrace?: boolean;
  /** How this Nix's repl switches traces (see session-protocol.ts); without it, `traceWanted` goes unasked. */
  traceSwitch?: TraceSwitch;
  /**
   * Whether a target's item whose error came without its trace needs it after all; it is
   * then evaluated again with its trace at once, in the same process (EvalSession.run).
   */
  traceWanted?: (target: number, item: number, outcome: ItemOutcome) => boolean;
  /**
   * An item to evaluate once an item has its outcome, for the same target (a failing
   * case's full evidence): queued first, so that the process that has just evaluated the
   * target, with its files already read, usually takes it next. The target is done when
   * its follow-ups are.
   */
  followUp?: (target: number, item: number, outcome: ItemOutcome) => EvalItem | undefined;
  /** Replace a process grown past this after its current unit (default RECYCLE_RSS_BYTES). */
  recycleRssBytes?: number;
  onTargetStart?: (target: number) => void;
  /** Called once the worker that finished the target has handed its process the next unit; a throw fails the pool once every target is evaluated. */
  onTargetDone?: (target: number, run: TargetRun) => void;
}

/**
 * A process that has grown past this is replaced after its current unit: a session keeps
 * every target it evaluated (the repl binds each), and NixOS hosts are large.
 */
export const RECYCLE_RSS_BYTES = 1024 ** 3;

/** Units per process at most: the repl binds each, and Nix 2.8's repl holds 32,768 bindings. */
export const MAX_UNITS_PER_PROCESS = 10_000;

/**
 * Evaluate the items of many targets in at most `jobs` long-lived Nix processes. Each
 * process takes the next target from one shared queue (in the order given), so many
 * small targets share a process and its already-evaluated files; isolation (see
 * isolation.ts) decides what runs again after a process died, and any target's failure
 * stays its own. Results come back per target, in the order given.
 */
export async function evaluateInSessions(targets: readonly PoolTarget[], options: PoolOptions): Promise<PoolResult> {
  const processes = { started: 0, peak: 0, running: 0 };
  const queue: WorkUnit[] = targets.flatMap((t, target) => (t.items.length ? [{ target, items: t.items.map((_, i) => i), freshProcess: false }] : []));
  const state = targets.map((t) => ({
    /** The target's items, then its follow-ups. */
    items: [...t.items],
    /** Per follow-up, the item it follows. */
    follows: [] as number[],
    outcomes: new Array<ItemOutcome>(t.items.length),
    left: t.items.length,
    sessions: new Set<EvalSession>(),
    reads: options.reportReads ? emptyReads() : undefined,
    processStartedAt: undefined as number | undefined,
    started: undefined as number | undefined,
    durationMs: 0,
  }));
  // What the caller does with a finished target (judge it, look up evidence, store it in
  // the cache) waits until the worker has handed its process the next unit, so that Nix
  // does not wait for it. Its first failure is the pool's, once the workers are done.
  const reported: Promise<void>[] = [];
  let reportFailure: { error: unknown } | undefined;
  const finish = (target: number) => {
    const s = state[target]!;
    s.durationMs = s.started === undefined ? 0 : performance.now() - s.started;
    const run = resultOf(target);
    reported.push(
      new Promise((done) =>
        setImmediate(() => {
          try {
            options.onTargetDone?.(target, run);
          } catch (error) {
            reportFailure ??= { error };
          }
          done();
        }),
      ),
    );
  };
  const resultOf = (target: number): TargetRun => {
    const s = state[target]!;
    const asked = targets[target]!.items.length;
    return {
      outcomes: s.outcomes.slice(0, asked),
      ...(s.follows.length ? { followUps: s.follows.map((item, k) => ({ item, followUp: s.items[asked + k]!, outcome: s.outcomes[asked + k]! })) } : {}),
      processes: s.sessions.size,
      ...(s.reads ? { reads: s.reads } : {}),
      ...(s.processStartedAt !== undefined ? { processStartedAt: s.processStartedAt } : {}),
      durationMs: s.durationMs,
    };
  };
  targets.forEach((t, target) => {
    if (t.items.length === 0) finish(target);
  });

  const settle = (unit: WorkUnit, { outcomes, retry }: Isolation) => {
    const s = state[unit.target]!;
    const asked = targets[unit.target]!.items.length;
    const followUps: number[] = [];
    for (const { item, outcome } of outcomes) {
      s.outcomes[item] = outcome;
      const next = item < asked ? options.followUp?.(unit.target, item, outcome) : undefined;
      if (next) {
        followUps.push(s.items.push(next) - 1);
        s.follows.push(item);
      }
    }
    s.left += followUps.length - outcomes.length;
    queue.unshift(...retry, ...(followUps.length ? [{ target: unit.target, items: followUps, freshProcess: false }] : []));
    if (s.left === 0) finish(unit.target);
  };

  const spent = (session: EvalSession) => session.unitsRun >= MAX_UNITS_PER_PROCESS || (session.rssBytes() ?? 0) > (options.recycleRssBytes ?? RECYCLE_RSS_BYTES);

  const worker = async () => {
    let session: EvalSession | undefined;
    const retire = async () => {
      if (!session) return;
      await session.close();
      session = undefined;
      processes.running--;
    };
    try {
      for (let unit = queue.shift(); unit; unit = queue.shift()) {
        const s = state[unit.target]!;
        if (s.started === undefined) {
          s.started = performance.now();
          options.onTargetStart?.(unit.target);
        }
        if (options.signal?.aborted || stoppingSignal()) {
          settle(unit, isolate(unit, { items: [], death: { step: 't', cause: 'cancelled', text: 'evaluation was cancelled' }, fresh: false, traced: false }));
          continue;
        }
        if (session && (!session.alive || (unit.freshProcess && session.unitsRun > 0) || spent(session))) await retire();
        if (!session) {
          session = await EvalSession.start({
            timeoutMs: options.timeoutMs,
            reportReads: options.reportReads ?? false,
            showTrace: options.showTrace ?? false,
            ...(options.traceSwitch ? { traceSwitch: options.traceSwitch } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          processes.started++;
          processes.peak = Math.max(processes.peak, ++processes.running);
        }
        s.sessions.add(session);
        const items = s.items;
        const wanted = options.traceWanted;
        // Asked of the target's own items, not of follow-ups.
        const asked = targets[unit.target]!.items.length;
        const retrace: Retrace | undefined = wanted && ((position, result) => unit.items[position]! < asked && wanted(unit.target, unit.items[position]!, stepOutcome(result, false)));
        const attempt = await session.run(engineRequest(targets[unit.target]!.base, unit.items.map((i) => items[i]!)), retrace);
        if (s.reads && attempt.reads) mergeReads(s.reads, attempt.reads);
        s.processStartedAt = Math.min(s.processStartedAt ?? Infinity, attempt.processStartedAt);
        settle(unit, isolate(unit, attempt));
        if (!session.alive) await retire();
      }
    } finally {
      await retire();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, queue.length)) }, worker));
  await Promise.all(reported);
  if (reportFailure) throw reportFailure.error;
  return { targets: targets.map((_, target) => resultOf(target)), processes: { started: processes.started, peak: processes.peak } };
}
