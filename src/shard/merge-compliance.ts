/** compliance.json of the shards of one `comply` run, as that run's one result. */
import { complianceGate, type ComplianceResult } from '../compliance/run-comply.js';
import { changeOrder, type BaselineDiff, type HostDelta } from '../compliance/score.js';
import { InputError } from '../util/errors.js';
import { displayPath } from '../util/yaml-source.js';
import { agreed, byTargetOrder, checkShardSet, inRunOrder, mergedHeader, type ShardFile, type Sharded } from './shard-set.js';

export interface MergedCompliance {
  result: ComplianceResult;
  shards: Sharded<ComplianceResult>[];
  notes: string[];
}

/**
 * Hosts are whole on one shard, so per-host scores carry over as they are; the gates are
 * applied again to all verdicts with the thresholds the shards recorded.
 */
export function mergeComplianceResults(files: readonly ShardFile<ComplianceResult>[]): MergedCompliance {
  const shards = checkShardSet(files, { what: 'compliance.json files', entries: (r) => r.results, targetOf: (r) => r.host });
  const notes: string[] = [];
  const tool = agreed(shards, (r) => r.tool, 'nixcheck version');
  const { nixVersion, flake } = mergedHeader(shards, notes);
  const today = agreed(shards, (r) => r.today, 'the date waivers expire against (--today)');
  const profile = agreed(shards, (r) => r.profile, 'profile');
  agreed(shards, (r) => r.controls.map((c) => [c.id, c.severity, c.impact]), 'controls');
  const expiredWaivers = agreed(shards, (r) => r.expiredWaivers, 'waivers');
  const thresholds = agreed(shards, (r) => ({ failUnder: r.gate.failUnder, failOn: r.gate.failOn }), 'gates (--fail-under, --fail-on)');
  const results = inRunOrder(shards, (r) => r.results);
  const scores = Object.fromEntries(
    shards
      .flatMap((s) => Object.entries(s.data.scores))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const baseline = mergeBaselines(shards);
  const result: ComplianceResult = {
    schemaVersion: 1,
    tool,
    nix: { version: nixVersion },
    flake: flake ?? null,
    generatedAt: shards.map((s) => s.data.generatedAt).sort().at(-1)!,
    today,
    durationMs: Math.max(...shards.map((s) => s.data.durationMs)),
    profile,
    hosts: byTargetOrder(shards, (r) => r.hosts, (h) => h.name),
    controls: shards[0]!.data.controls,
    results,
    scores,
    expiredWaivers,
    ...(baseline ? { baseline } : {}),
    gate: complianceGate(results, thresholds),
    evaluations: byTargetOrder(shards, (r) => r.evaluations, (e) => e.target),
  };
  return { result, shards, notes };
}

/**
 * Every shard compared its hosts with the whole baseline: its changes are its hosts', and
 * its score delta is right for its hosts (for a host no shard ran, all shards agree).
 */
function mergeBaselines(shards: readonly Sharded<ComplianceResult>[]): BaselineDiff | undefined {
  const withBaseline = shards.filter((s) => s.data.baseline);
  if (withBaseline.length === 0) return undefined;
  const without = shards.find((s) => !s.data.baseline);
  if (without) throw new InputError(`${displayPath(withBaseline[0]!.file)} was compared with a baseline and ${displayPath(without.file)} was not: they are not parts of one run`);
  const hosts = new Map<string, HostDelta>();
  for (const s of shards) {
    const own = new Set(s.data.hosts.map((h) => h.name));
    for (const [host, delta] of Object.entries(s.data.baseline!.hosts)) {
      if (own.has(host) || !hosts.has(host)) hosts.set(host, delta);
    }
  }
  return {
    newlyFailing: shards.flatMap((s) => s.data.baseline!.newlyFailing).sort(changeOrder),
    newlyPassing: shards.flatMap((s) => s.data.baseline!.newlyPassing).sort(changeOrder),
    hosts: Object.fromEntries([...hosts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}
