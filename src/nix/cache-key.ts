import { createHash } from 'node:crypto';
import type { EvalTarget } from './evaluator.js';
import type { EvalItem, ItemOutcome } from './request.js';
import type { FlakeScope } from './source-hash.js';

/**
 * What the evaluation cache (eval-cache.ts) keys answers by, and which answers it keeps:
 * pure, so that what makes two evaluations the same can be tested without a cache
 * directory or Nix.
 */

/** What the first level needs to know of a target. */
export interface CacheTarget {
  /** nixcheck's Nix program and every file it imports. */
  program: readonly string[];
  /** The target and the request: anything that decides the answer besides files. */
  request: unknown;
  /** A local flake: Nix copies its files, all of which are in the key. */
  flakeSource?: { dir: string; scope: FlakeScope };
}

/** What the cache keys an evaluation of a target by; undefined for remote flakes, which are not cached. */
export function cacheTargetOf(target: EvalTarget, program: readonly string[], request: unknown): CacheTarget | undefined {
  if (!target.sourceDir) return undefined;
  const scope = target.sourceScope ?? 'nix-git';
  return { program, request, ...(scope === 'files' ? {} : { flakeSource: { dir: target.sourceDir, scope } }) };
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The second level: one answer of a target, by everything of the item that decides it. */
export function itemKey(item: EvalItem): string {
  return sha256(JSON.stringify([item.variant, item.root, item.path, item.evidence, item.names ?? false, item.trace ?? false]));
}

/**
 * Timeouts depend on the machine, target errors can be transient (inputs, network), and
 * a process killed without Nix's own error (the OOM killer) says nothing about the config.
 */
export function isCacheable(outcome: ItemOutcome): boolean {
  if (outcome.status === 'value' || outcome.reason === 'throw') return true;
  return outcome.reason === 'fatal' && outcome.error.startsWith('error:');
}
