/**
 * A set of shard result files as one run: every part present once, all split the same
 * way, no target in two parts, and each entry put back where the unsharded run has it.
 */
import { InputError } from '../util/errors.js';
import { displayPath } from '../util/yaml-source.js';
import type { Durations } from './cost-record.js';
import type { ShardInfo } from './select.js';

export interface ShardFile<T> {
  file: string;
  data: T;
}

export type Sharded<T> = ShardFile<T & { shard: ShardInfo }>;

export interface ShardSetSpec<T, E> {
  /** What the files are, for messages: "results.json files". */
  what: string;
  /** The entries `shard.order` numbers: cases, or compliance results. */
  entries: (data: T) => readonly E[];
  /** The target an entry belongs to (its target id), given its position in the whole run. */
  targetOf: (entry: E, position: number, info: ShardInfo) => string;
}

const shown = (f: { file: string }) => displayPath(f.file);
const partName = (s: ShardInfo) => `${s.index}/${s.count}`;

/** Check the files are the parts of one sharded run; return them by shard index. */
export function checkShardSet<T extends { shard?: ShardInfo }, E>(files: readonly ShardFile<T>[], spec: ShardSetSpec<T, E>): Sharded<T>[] {
  for (const f of files) {
    if (!f.data.shard) throw new InputError(`${shown(f)} is not from a sharded run (it has no "shard"): merge-reports combines the ${spec.what} of \`--shard i/n\` runs`);
  }
  const shards = (files as Sharded<T>[]).slice().sort((a, b) => a.data.shard.index - b.data.shard.index);
  const first = shards[0]!;
  const count = first.data.shard.count;
  for (const s of shards) {
    const info = s.data.shard;
    if (info.index > info.count) throw new InputError(`${shown(s)} says it is shard ${partName(info)}, which no split has`);
    if (info.count !== count) throw new InputError(`${shown(first)} is shard ${partName(first.data.shard)} but ${shown(s)} is shard ${partName(info)}: they are not parts of one run`);
    const twin = shards.find((o) => o !== s && o.data.shard.index === info.index);
    if (twin) throw new InputError(`shard ${partName(info)} is given twice (${shown(twin)} and ${shown(s)}): overlapping shards`);
    const split = differentSplit(first.data.shard, info);
    if (split) {
      throw new InputError(
        `${shown(first)} and ${shown(s)} were split differently (${split}): give every shard the same suites, hosts and flags, and the same --shard-costs file`,
      );
    }
    const entries = spec.entries(s.data);
    if (info.order.length !== entries.length) throw new InputError(`${shown(s)}: shard.order has ${info.order.length} positions for ${entries.length} entries`);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !shards.some((s) => s.data.shard.index === i));
  if (missing.length) {
    throw new InputError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} of the ${spec.what}: give every shard's report directory`);
  }
  checkTargets(shards, spec);
  return shards;
}

/** Each shard holds exactly the targets the split gave it, and no position twice. */
function checkTargets<T extends { shard?: ShardInfo }, E>(shards: readonly Sharded<T>[], spec: ShardSetSpec<T, E>): void {
  const holder = new Map<number, Sharded<T>>();
  for (const s of shards) {
    const info = s.data.shard;
    const assigned = new Map(info.targets.map((t) => [t.id, t.shard]));
    const idOf = new Map(info.targets.flatMap((t) => [t.id, ...(t.aliases ?? [])].map((label) => [label, t.id])));
    const seen = new Set<string>();
    spec.entries(s.data).forEach((entry, i) => {
      const position = info.order[i]!;
      const other = holder.get(position);
      if (other && other !== s) throw new InputError(`${shown(other)} and ${shown(s)} both hold position ${position} of the run: overlapping shards`);
      holder.set(position, s);
      const label = spec.targetOf(entry, position, info);
      const target = idOf.get(label) ?? label;
      if (assigned.get(target) !== info.index) {
        throw new InputError(`${shown(s)} (shard ${partName(info)}) holds results of ${target}, which the split gives to ${assigned.has(target) ? `shard ${assigned.get(target)}` : 'no shard'}`);
      }
      seen.add(target);
    });
    const absent = info.targets.filter((t) => t.shard === info.index && !seen.has(t.id)).map((t) => t.id);
    if (absent.length) throw new InputError(`${shown(s)} (shard ${partName(info)}) has no results for ${absent.join(', ')}, which the split gives to it: an incomplete shard`);
  }
}

function differentSplit(a: ShardInfo, b: ShardInfo): string | undefined {
  if (a.targets.length !== b.targets.length) return `${a.targets.length} targets against ${b.targets.length}`;
  for (let i = 0; i < a.targets.length; i++) {
    const x = a.targets[i]!;
    const y = b.targets[i]!;
    if (x.id !== y.id) return `target ${i + 1} is ${x.id} in one and ${y.id} in the other`;
    if (JSON.stringify(x.aliases) !== JSON.stringify(y.aliases)) return `${x.id} has other labels in one than in the other`;
    if (x.shard !== y.shard) return `${x.id} goes to shard ${x.shard} in one and to shard ${y.shard} in the other`;
  }
  return undefined;
}

/** Every shard's entries in the order of the whole run (entries sharing a position keep theirs). */
export function inRunOrder<T, E>(shards: readonly Sharded<T>[], entries: (data: T) => readonly E[]): E[] {
  const all = shards.flatMap((s) => entries(s.data).map((entry, i) => ({ entry, position: s.data.shard.order[i]! })));
  // Array.prototype.sort is stable: entries of one position come from one shard, in its order.
  return all.sort((a, b) => a.position - b.position).map((x) => x.entry);
}

/** A value every shard must agree on, or an error naming the first that differs. */
export function agreed<T, V>(shards: readonly ShardFile<T>[], value: (data: T) => V, what: string): V {
  const key = (v: V) => JSON.stringify(v);
  const first = shards[0]!;
  const other = shards.find((s) => key(value(s.data)) !== key(value(first.data)));
  if (other) {
    throw new InputError(`${shown(first)} and ${shown(other)} differ in ${what} (${key(value(first.data))} against ${key(value(other.data))}): they are not parts of one run`);
  }
  return value(first.data);
}

/** Run metadata across shards: Nix versions that differ are unknown, not guessed. */
export function mergedHeader<T extends { nix: { version: string | null }; flake?: string | null }>(
  shards: readonly ShardFile<T>[],
  notes: string[],
): { nixVersion: string | null; flake?: string | null } {
  const versions = [...new Set(shards.map((s) => s.data.nix.version))];
  if (versions.length > 1) notes.push(`the shards ran different Nix versions (${versions.map((v) => v ?? 'unknown').join(', ')}): the merged report says unknown`);
  const flakes = [...new Set(shards.map((s) => s.data.flake))];
  // Shards check out the same repository, but not always at the same path.
  if (flakes.length > 1) notes.push(`the shards name different flake references (${flakes.join(', ')}): the merged report names shard 1's`);
  const flake = shards[0]!.data.flake;
  return { nixVersion: versions.length === 1 ? versions[0]! : null, ...(flake !== undefined ? { flake } : {}) };
}

/** Per-target entries (evaluations) from every shard, in the order of the run's targets. */
export function byTargetOrder<T, X>(shards: readonly Sharded<T>[], entries: (data: T) => readonly X[], targetOf: (x: X) => string): X[] {
  const index = new Map(shards[0]!.data.shard.targets.flatMap((t, i) => [t.id, ...(t.aliases ?? [])].map((label) => [label, i])));
  const rank = (x: X) => index.get(targetOf(x)) ?? Number.MAX_SAFE_INTEGER;
  return shards.flatMap((s) => entries(s.data)).sort((a, b) => rank(a) - rank(b));
}

/** The recorded durations the shards split by. */
export function usedCosts(shards: readonly Sharded<unknown>[]): Durations {
  return Object.assign({}, ...shards.map((s) => s.data.shard.costs)) as Durations;
}

/** Every shard's entries grouped by target, in each shard's order. */
export function entriesByTarget<T, E>(
  shards: readonly Sharded<T>[],
  entries: (data: T) => readonly E[],
  targetOf: (entry: E, position: number, info: ShardInfo) => string,
): { id: string; entries: E[] }[] {
  const groups = new Map<string, E[]>();
  for (const s of shards) {
    entries(s.data).forEach((entry, i) => {
      const id = targetOf(entry, s.data.shard.order[i]!, s.data.shard);
      const list = groups.get(id) ?? [];
      list.push(entry);
      groups.set(id, list);
    });
  }
  return [...groups].map(([id, list]) => ({ id, entries: list }));
}
