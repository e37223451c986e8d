/**
 * `--shard i/n`: which targets this part of a run takes, and what its result file
 * records about the split so that merge-reports can check the parts and put them back
 * in the order of one unsharded run.
 */
import type { Durations } from './cost-record.js';
import type { ShardSpec } from './spec.js';
import { splitTargets } from './split.js';

export interface ShardRequest extends ShardSpec {
  /** Recorded durations (ms) of this command's targets, by target id; empty when none. */
  costs: Durations;
}

export interface ShardTarget {
  id: string;
  shard: number;
  /** Other labels of the same evaluation (`laptop` and `nixosConfigurations.laptop`). */
  aliases?: string[];
}

/** `shard` in results.json, compliance.json and vm-results.json of a sharded run. */
export interface ShardInfo {
  index: number;
  count: number;
  /** Every target of the whole run, in run order, with the shard that runs it. */
  targets: ShardTarget[];
  /** The recorded durations the split used (targets of this run only). */
  costs: Durations;
  /**
   * For each case (compliance: each result) of this file, its position in the whole
   * run; cases sharing a position belong to one target and keep their order.
   */
  order: number[];
}

export interface ShardSelection<T> {
  /** The items this shard runs, in run order. */
  items: T[];
  /** Where each selected item stands among all items. */
  positions: number[];
  targets: ShardTarget[];
  costs: Durations;
}

/** Which target an item belongs to: `key` groups items, `label` names the target. */
export type TargetOf<T> = (item: T) => { key: string; label: string };

/**
 * Split `items` (planned cases, hosts, VM tests) by target and keep this shard's. Every
 * item of one target lands on the same shard; a target is named by its first label.
 */
export function selectShard<T>(items: readonly T[], targetOf: TargetOf<T>, request: ShardRequest): ShardSelection<T> {
  const groups = new Map<string, { id: string; size: number; labels: Set<string> }>();
  for (const item of items) {
    const { key, label } = targetOf(item);
    const group = groups.get(key) ?? { id: label, size: 0, labels: new Set<string>() };
    group.size++;
    group.labels.add(label);
    groups.set(key, group);
  }
  const list = [...groups.values()];
  // A run records a target under the label its evaluation had, which may be an alias.
  const costs: Durations = {};
  for (const t of list) {
    const recorded = [t.id, ...t.labels].find((label) => Object.hasOwn(request.costs, label));
    if (recorded !== undefined) costs[t.id] = request.costs[recorded]!;
  }
  const shardOf = splitTargets(list, request.count, costs);
  const targets = list.map((t, i): ShardTarget => {
    const aliases = [...t.labels].filter((l) => l !== t.id);
    return { id: t.id, shard: shardOf[i]!, ...(aliases.length ? { aliases } : {}) };
  });
  const mine = new Set([...groups.keys()].filter((_, i) => shardOf[i] === request.index));
  const selected: T[] = [];
  const positions: number[] = [];
  items.forEach((item, i) => {
    if (!mine.has(targetOf(item).key)) return;
    selected.push(item);
    positions.push(i);
  });
  return { items: selected, positions, targets, costs };
}

/** A target that is its own name (a host, a VM test). */
export const byName = (name: string) => ({ key: name, label: name });

/** The `shard` record of a result file whose entries stand at `order` in the whole run. */
export function shardInfo(request: ShardSpec, selection: Pick<ShardSelection<unknown>, 'targets' | 'costs'>, order: number[]): ShardInfo {
  return { index: request.index, count: request.count, targets: selection.targets, costs: selection.costs, order };
}
