/**
 * Compliance scores, baseline comparison and gates: pure functions over verdicts.
 *
 *   weighted = sum(impact of pass) / sum(impact of pass + fail + error + drift) * 100
 *   ratio    = count(pass) / count(pass + fail + error + drift) * 100
 *
 * waived, not-applicable and manual verdicts are left out of both; error and drift count as
 * not passed. With nothing scorable both are null. Impacts are summed in thousandths, so
 * scores are exact fractions (no floating-point drift).
 */
import { CONTROL_STATUSES, FRAMEWORKS, isFinding, SEVERITIES, type ControlStatus, type ControlVerdict, type Framework, type Severity } from './types.js';
import { nistFamily } from './profiles.js';
import { compareText } from '../util/compare-text.js';

export type StatusCounts = Record<ControlStatus, number> & { total: number };

export interface Score {
  counts: StatusCounts;
  /** Weighted score in percent, null when nothing was scorable. */
  weighted: number | null;
  /** Flat pass ratio in percent, null when nothing was scorable. */
  ratio: number | null;
  /** sum of impacts of passed controls. */
  passedImpact: number;
  /** sum of impacts of pass + fail + error + drift. */
  scoredImpact: number;
}

const milli = (impact: number): number => Math.round(impact * 1000);

export function countStatuses(verdicts: readonly ControlVerdict[]): StatusCounts {
  const counts = Object.fromEntries(CONTROL_STATUSES.map((s) => [s, 0])) as StatusCounts;
  counts.total = 0;
  for (const v of verdicts) {
    counts[v.status]++;
    counts.total++;
  }
  return counts;
}

export function score(verdicts: readonly ControlVerdict[]): Score {
  const counts = countStatuses(verdicts);
  let passed = 0;
  let scored = 0;
  for (const v of verdicts) {
    if (v.status !== 'pass' && !isFinding(v.status)) continue;
    scored += milli(v.impact);
    if (v.status === 'pass') passed += milli(v.impact);
  }
  const n = counts.pass + counts.fail + counts.error + counts.drift;
  return {
    counts,
    weighted: n === 0 ? null : scored === 0 ? (counts.pass === n ? 100 : 0) : (passed / scored) * 100,
    ratio: n === 0 ? null : (counts.pass / n) * 100,
    passedImpact: passed / 1000,
    scoredImpact: scored / 1000,
  };
}

/** Score each group; a verdict may fall into several groups (or none). Keys sorted. */
export function scoreBy(verdicts: readonly ControlVerdict[], keys: (v: ControlVerdict) => readonly string[]): Record<string, Score> {
  const groups = new Map<string, ControlVerdict[]>();
  for (const v of verdicts) {
    for (const k of new Set(keys(v))) {
      const list = groups.get(k) ?? [];
      list.push(v);
      groups.set(k, list);
    }
  }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, score(groups.get(k)!)]));
}

export const byHost = (v: ControlVerdict): string[] => [v.host];
export const byFramework = (v: ControlVerdict): Framework[] => FRAMEWORKS.filter((f) => (v.refs[f]?.length ?? 0) > 0);
export const byNistFamily = (v: ControlVerdict): string[] => (v.refs.nist ?? []).map(nistFamily);
/**
 * CIS levels are cumulative, as CIS profiles are: a level-1 recommendation counts in
 * "1" and "2", a level-2 one in "2" only. Keys are "1" and "2".
 */
export const byCisLevel = (v: ControlVerdict): string[] => {
  const levels = (v.refs.cis ?? []).map((r) => r.level);
  if (levels.length === 0) return [];
  const min = Math.min(...levels);
  return min <= 1 ? ['1', '2'] : ['2'];
};
export const bySeverity = (v: ControlVerdict): Severity[] => [v.severity];

export interface HostScores {
  host: string;
  overall: Score;
  frameworks: Record<string, Score>;
  /** Per profile id, for the profiles passed in (verdicts of controls in the profile). */
  profiles: Record<string, Score>;
  cisLevels: Record<string, Score>;
  nistFamilies: Record<string, Score>;
  severities: Record<string, Score>;
}

/**
 * Every score for every host. `profiles` maps a profile id to its control ids
 * (e.g. from resolveProfile).
 */
export function scoreReport(
  verdicts: readonly ControlVerdict[],
  profiles: Readonly<Record<string, readonly string[]>> = {},
): Record<string, HostScores> {
  const hosts = new Map<string, ControlVerdict[]>();
  for (const v of verdicts) {
    const list = hosts.get(v.host) ?? [];
    list.push(v);
    hosts.set(v.host, list);
  }
  const sets = Object.entries(profiles).map(([id, ids]) => [id, new Set(ids)] as const);
  const out: Record<string, HostScores> = {};
  for (const host of [...hosts.keys()].sort()) {
    const list = hosts.get(host)!;
    out[host] = {
      host,
      overall: score(list),
      frameworks: scoreBy(list, byFramework),
      profiles: Object.fromEntries(sets.map(([id, ids]) => [id, score(list.filter((v) => ids.has(v.controlId)))])),
      cisLevels: scoreBy(list, byCisLevel),
      nistFamilies: scoreBy(list, byNistFamily),
      severities: scoreBy(list, bySeverity),
    };
  }
  return out;
}

// ---- baseline comparison ---------------------------------------------------------

export interface VerdictChange {
  controlId: string;
  host: string;
  /** Undefined when the control was not in the baseline for that host. */
  before?: ControlStatus;
  after: ControlStatus;
  severity: Severity;
}

export interface HostDelta {
  before: number | null;
  after: number | null;
  /** after - before (weighted score, percentage points); null when either is null. */
  delta: number | null;
}

export interface BaselineDiff {
  /** Now a finding (fail, error, drift), and not one in the baseline (including new controls). */
  newlyFailing: VerdictChange[];
  /** Now pass, and a finding in the baseline. */
  newlyPassing: VerdictChange[];
  /** Weighted score per host (hosts of either run). */
  hosts: Record<string, HostDelta>;
}

const key = (v: Pick<ControlVerdict, 'host' | 'controlId'>): string => `${v.host}\u0000${v.controlId}`;

export function compareBaseline(baseline: readonly ControlVerdict[], current: readonly ControlVerdict[]): BaselineDiff {
  const before = new Map(baseline.map((v) => [key(v), v]));
  const newlyFailing: VerdictChange[] = [];
  const newlyPassing: VerdictChange[] = [];
  for (const v of current) {
    const old = before.get(key(v))?.status;
    const change: VerdictChange = { controlId: v.controlId, host: v.host, ...(old ? { before: old } : {}), after: v.status, severity: v.severity };
    if (isFinding(v.status) && !isFinding(old)) newlyFailing.push(change);
    else if (v.status === 'pass' && isFinding(old)) newlyPassing.push(change);
  }
  const hostsOf = (list: readonly ControlVerdict[]) => new Set(list.map((v) => v.host));
  const hosts: Record<string, HostDelta> = {};
  for (const host of [...new Set([...hostsOf(baseline), ...hostsOf(current)])].sort()) {
    const b = score(baseline.filter((v) => v.host === host)).weighted;
    const a = score(current.filter((v) => v.host === host)).weighted;
    hosts[host] = { before: b, after: a, delta: a === null || b === null ? null : a - b };
  }
  return { newlyFailing: newlyFailing.sort(changeOrder), newlyPassing: newlyPassing.sort(changeOrder), hosts };
}

/** The order of a baseline diff's changes: by host, then control. */
export const changeOrder = (x: VerdictChange, y: VerdictChange): number => compareText(x.host, y.host) || compareText(x.controlId, y.controlId);

// ---- gates -----------------------------------------------------------------------

export interface GateResult {
  failed: boolean;
  reasons: string[];
}

const fmt = (n: number): string => (Math.round(n * 100) / 100).toString();

/**
 * Fails when any host's score is below `threshold` (percent). Hosts with nothing
 * scorable do not fail the gate. `metric` picks the weighted score (default) or the
 * flat pass ratio.
 */
export function failUnder(
  verdicts: readonly ControlVerdict[],
  threshold: number,
  metric: 'weighted' | 'ratio' = 'weighted',
): GateResult {
  const reasons: string[] = [];
  for (const [host, s] of Object.entries(scoreBy(verdicts, byHost))) {
    const value = s[metric];
    if (value !== null && value < threshold) {
      reasons.push(`${host}: ${metric === 'weighted' ? 'weighted score' : 'pass ratio'} ${fmt(value)} is below ${fmt(threshold)}`);
    }
  }
  return { failed: reasons.length > 0, reasons };
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

const PAST: Record<string, string> = { fail: 'failed', error: 'errored', drift: 'drifted' };

/** Fails when any control of at least `severity` failed, errored or drifted (waived ones do not count). */
export function failOn(verdicts: readonly ControlVerdict[], severity: Severity): GateResult {
  const min = severityRank(severity);
  const reasons = verdicts
    .filter((v) => isFinding(v.status) && severityRank(v.severity) >= min)
    .map((v) => `${v.host}: ${v.controlId} (${v.severity}) ${PAST[v.status]}`);
  return { failed: reasons.length > 0, reasons };
}

/**
 * The gate when none is given: fails on any finding (fail, error, drift) that no waiver
 * covers, with one reason per host.
 */
export function failOnFindings(verdicts: readonly ControlVerdict[]): GateResult {
  const reasons = Object.entries(scoreBy(verdicts, byHost))
    .filter(([, s]) => s.counts.fail + s.counts.error + s.counts.drift > 0)
    .map(([host, s]) => `${host}: ${s.counts.fail} failing, ${s.counts.error} erroring, ${s.counts.drift} drifting control(s)`);
  return { failed: reasons.length > 0, reasons };
}

/** Several gates as one: failed when any failed, reasons concatenated. */
export function combineGates(...results: readonly GateResult[]): GateResult {
  const reasons = results.flatMap((r) => r.reasons);
  return { failed: results.some((r) => r.failed), reasons };
}
