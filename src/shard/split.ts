import { createHash } from 'node:crypto';

/** A unit of work that stays whole on one shard: a host, a file target, a VM test. */
export interface SplitTarget {
  id: string;
  /** How many items (cases, results) it has: the cost estimate when no duration is recorded. */
  size: number;
}

/**
 * Assign every target to one of `count` shards (1-based; in input order), the same way on
 * every machine for the same targets and costs: longest first onto the least loaded
 * shard. A target's cost is its recorded duration (ms); a target without one is
 * estimated from its size at the recorded rate per item; with no durations at all, the
 * sizes themselves are the costs. Ties are broken by a hash of the id, never by the
 * order the targets were listed in, and among equally loaded shards by how many targets
 * each holds (so zero-cost targets still spread), then by index.
 */
export function splitTargets(targets: readonly SplitTarget[], count: number, costs: Readonly<Record<string, number>>): number[] {
  const known = targets.filter((t) => Object.hasOwn(costs, t.id));
  const knownItems = known.reduce((sum, t) => sum + t.size, 0);
  const perItem = knownItems > 0 ? known.reduce((sum, t) => sum + costs[t.id]!, 0) / knownItems : undefined;
  const costOf = (t: SplitTarget): number => (Object.hasOwn(costs, t.id) ? costs[t.id]! : perItem !== undefined ? perItem * t.size : t.size);
  const hash = (id: string) => createHash('sha256').update(id).digest('hex');
  const order = targets
    .map((t, i) => ({ i, cost: costOf(t), hash: hash(t.id), id: t.id }))
    .sort((a, b) => b.cost - a.cost || compare(a.hash, b.hash) || compare(a.id, b.id));
  const load = new Array<number>(count).fill(0);
  const held = new Array<number>(count).fill(0);
  const shardOf = new Array<number>(targets.length);
  for (const t of order) {
    let best = 0;
    for (let s = 1; s < count; s++) {
      if (load[s]! < load[best]! || (load[s] === load[best] && held[s]! < held[best]!)) best = s;
    }
    load[best]! += t.cost;
    held[best]!++;
    shardOf[t.i] = best + 1;
  }
  return shardOf;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
