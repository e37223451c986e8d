import pLimit from 'p-limit';
import { packagePath } from '../util/package-root.js';
import type { ReportedReads } from './reported-reads.js';
import { WITH_MODULE_FILE } from './module-files.js';
import type { BaseTarget, EvalItem, ItemOutcome, RawEvidence, Variant } from './request.js';
import { nixErrorMessage } from './nix-cli.js';
import { runNixFile, type NixFileAttempt } from './run-nix-file.js';

export const ENGINE_FILE = packagePath('src', 'nix', 'engine.nix');
/** Fatal errors (abort, recursion, timeout) one target may cost before the rest are given up. */
export const MAX_FATAL_RERUNS = 10;

/** The engine and what it imports: the cache key covers all of them. */
export const ENGINE_FILES = [ENGINE_FILE, packagePath('src', 'nix', 'common.nix'), packagePath('src', 'nix', 'evidence.nix')];

export interface BatchOptions {
  timeoutMs: number;
  /** Parallel single-item evaluations used to collect error messages. */
  errorConcurrency?: number;
  signal?: AbortSignal;
  /** Collects what every Nix process of the batch reports reading (for the cache). */
  reads?: ReportedReads;
}

export interface BatchResult {
  outcomes: ItemOutcome[];
  processes: number;
}

interface EngineAnswer {
  results: Record<string, { ok: boolean; exists?: boolean; value?: unknown; type?: string | null; evidence?: RawEvidence | null; declared?: boolean | null }>;
}

/** Last progress marker: `target` or `begin:<item id>`. */
type Attempt = NixFileAttempt<EngineAnswer>;

/**
 * Evaluate every item of one target. One Nix process answers all items in the normal
 * case; an item that kills Nix (abort, infinite recursion, timeout) is identified by the
 * progress markers, given its own error, and the others are evaluated again without it.
 * Items whose errors Nix could catch get their real message, and its `--show-trace`
 * text, from a second, per-item pass.
 */
export async function evaluateBatch(base: BaseTarget, items: readonly EvalItem[], options: BatchOptions): Promise<BatchResult> {
  const outcomes: ItemOutcome[] = new Array(items.length);
  let processes = 0;
  let remaining = items.map((_, i) => i);
  const caught: number[] = [];

  while (remaining.length > 0) {
    processes++;
    const attempt = await runEngine(base, remaining.map((i) => items[i]!), true, options);
    if (attempt.answer) {
      remaining.forEach((itemIndex, k) => {
        const r = attempt.answer!.results[String(k)];
        if (r?.ok) {
          outcomes[itemIndex] = {
            status: 'value',
            exists: r.exists ?? false,
            value: r.value ?? null,
            type: r.type ?? null,
            evidence: r.evidence ?? null,
            declared: r.declared ?? null,
          };
        } else {
          caught.push(itemIndex);
        }
      });
      break;
    }
    const culprit = attempt.lastMarker?.startsWith('begin:') ? Number(attempt.lastMarker.slice('begin:'.length)) : undefined;
    if (culprit === undefined || Number.isNaN(culprit)) {
      // The target itself failed to load: that is every item's answer.
      for (const i of remaining) outcomes[i] = { status: 'error', error: attempt.error!, reason: attempt.timedOut ? 'timeout' : 'target' };
      remaining = [];
      break;
    }
    const itemIndex = remaining[culprit]!;
    outcomes[itemIndex] = { status: 'error', error: attempt.error!, reason: attempt.timedOut ? 'timeout' : 'fatal' };
    remaining = remaining.filter((i) => i !== itemIndex);
    if (processes > MAX_FATAL_RERUNS && remaining.length > 0) {
      // A target where path after path ends Nix costs one process (or one timeout) per
      // path: stop, and say so for the paths not reached.
      const error = `not evaluated: ${processes} paths of this target ended Nix before this one was reached; the last said:\n${attempt.error}`;
      for (const i of remaining) outcomes[i] = { status: 'error', error, reason: attempt.timedOut ? 'timeout' : 'fatal' };
      remaining = [];
    }
  }

  const limit = pLimit(options.errorConcurrency ?? 2);
  await Promise.all(
    caught.map((itemIndex) =>
      limit(async () => {
        processes++;
        const attempt = await runEngine(base, [items[itemIndex]!], false, { ...options, nixArgs: ['--show-trace'] });
        outcomes[itemIndex] = attempt.answer
          ? // Failed under tryEval yet succeeded without it: report rather than guess.
            { status: 'error', error: 'evaluation failed inside builtins.tryEval but succeeded on its own', reason: 'throw' }
          : attempt.timedOut
            ? { status: 'error', error: attempt.error!, reason: 'timeout' }
            : { status: 'error', error: nixErrorMessage(attempt.error!), trace: attempt.error!, reason: 'throw' };
      }),
    ),
  );
  return { outcomes, processes };
}

async function runEngine(base: BaseTarget, items: readonly EvalItem[], catchErrors: boolean, options: BatchOptions & { nixArgs?: string[] }): Promise<Attempt> {
  const variantIds = new Map<string, string>();
  const variants: (Variant & { id: string })[] = [];
  const variantId = (v: Variant) => {
    const key = JSON.stringify(v);
    let id = variantIds.get(key);
    if (!id) {
      id = `v${variants.length}`;
      variantIds.set(key, id);
      variants.push({ id, ...v });
    }
    return id;
  };
  const request = {
    base,
    catch: catchErrors,
    withFile: WITH_MODULE_FILE,
    items: items.map((item, k) => ({ id: String(k), variant: variantId(item.variant), root: item.root, path: item.path, evidence: item.evidence, names: item.names ?? false })),
    variants,
  };
  return runNixFile<EngineAnswer>(ENGINE_FILE, 'NIXCHECK_REQUEST_FILE', request, { ...options, what: 'evaluation' });
}
