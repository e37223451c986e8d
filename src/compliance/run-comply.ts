/**
 * `nixcheck comply`: load and validate (catalogue, profiles, waivers, baseline) -> plan
 * (controls x hosts) -> evaluate (one batched evaluation per host) -> runtime checks (in
 * VMs, or on live targets) -> verdicts (waivers applied) -> scores and gates -> the one
 * compliance result every report reads.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SourceLocator } from '../evidence/source-locator.js';
import { resolveFlake } from '../nix/flake-ref.js';
import { Evaluator } from '../nix/evaluator.js';
import { gitTopLevel } from '../nix/source-hash.js';
import { RunEvents } from '../run/events.js';
import { measuredDurations, recordCosts } from '../shard/cost-record.js';
import { byName, selectShard, shardInfo, type ShardInfo, type ShardRequest } from '../shard/select.js';
import { VERSION } from '../run/test-run.js';
import { listHosts } from '../target/list-hosts.js';
import { resolveTarget } from '../target/resolve-target.js';
import { InputError } from '../util/errors.js';
import { validatorFor } from '../util/schemas.js';
import { displayPath } from '../util/yaml-source.js';
import { loadCatalogue } from './catalogue.js';
import { evaluateControls, type ControlResult } from './evaluate-controls.js';
import { loadHistory, trendScores, type ComplianceHistory } from './history.js';
import { runRuntimeChecks, type RuntimeOptions } from './runtime.js';
import { runLiveChecks, type LiveOptions, type LiveTargetInfo } from './live.js';
import { pairTargets, type LiveTarget } from '../live/target.js';
import { getProfile, loadProfiles, resolveProfile } from './profiles.js';
import { combineGates, compareBaseline, failOn, failOnFindings, failUnder, scoreReport, type BaselineDiff, type GateResult, type HostScores } from './score.js';
import type { Control, ControlVerdict, Severity, Waiver } from './types.js';
import { expiredWaivers, loadWaiverFiles, toDay, waiveVerdict } from './waivers.js';

export interface ComplyOptions {
  /** Needed unless only live targets without a flake host are checked. */
  flake?: string;
  baseDir: string;
  hostsAttr: string;
  hosts?: string[];
  profile?: string;
  controlDirs?: string[];
  profileDirs?: string[];
  waiverFiles?: string[];
  baselineFile?: string;
  /** A directory of earlier compliance.json files: the reports show the score trend. */
  historyDir?: string;
  failUnder?: number;
  failOn?: Severity;
  today?: Date | string;
  /** Globs of local module files that are not the user's own. */
  upstream?: string[];
  /** Also run the controls' runtime checks in one NixOS VM per host. */
  runtime?: Omit<RuntimeOptions, 'flakeRef'>;
  /** Run the runtime checks on live targets (not with `runtime`). */
  live?: Omit<LiveOptions, 'jobs' | 'targets'> & { targets: LiveTarget[] };
  jobs: number;
  timeoutMs: number;
  cacheDir: string | null;
  events?: RunEvents;
  /** Score only this shard's hosts (`--shard i/n`). */
  shard?: ShardRequest;
}

/** The gate's verdict, with the thresholds it applied (so merged shards can apply them again). */
export type ComplianceGate = GateResult & { failUnder?: number; failOn?: Severity };

/** A control as reports show it (the checks themselves stay in the catalogue). */
export type ControlInfo = Pick<
  Control,
  'id' | 'title' | 'severity' | 'impact' | 'rationale' | 'remediation' | 'fix' | 'fixes' | 'manualCheck' | 'refs' | 'mode' | 'location' | 'builtin'
> & {
  runtime: { command: string }[];
};

export interface ComplianceResult {
  schemaVersion: 1;
  tool: { name: 'nixcheck'; version: string };
  nix: { version: string | null };
  /** null: no flake was evaluated (live targets only). */
  flake: string | null;
  generatedAt: string;
  today: string;
  durationMs: number;
  profile: { id: string; title: string } | null;
  /** Flake hosts and live targets; `live` says where a host's runtime checks ran. */
  hosts: { name: string; entryFile?: string; live?: LiveTargetInfo }[];
  controls: ControlInfo[];
  results: ControlResult[];
  /** Per host: overall, per framework, per profile, per CIS level, per NIST family. */
  scores: Record<string, HostScores>;
  expiredWaivers: Waiver[];
  baseline?: BaselineDiff;
  /** With --history: earlier runs of the same profile and this one, oldest first. */
  history?: ComplianceHistory;
  gate: ComplianceGate;
  evaluations: { target: string; durationMs: number; cached: boolean; processes: number }[];
  /** Only in a `--shard i/n` run's file. */
  shard?: ShardInfo;
}

export async function runComply(options: ComplyOptions): Promise<ComplianceResult> {
  const started = performance.now();
  const today = toDay(options.today ?? new Date());
  const catalogue = await loadCatalogue({ dirs: options.controlDirs ?? [] });
  const profiles = await loadProfiles({ dirs: options.profileDirs ?? [] });
  const profile = options.profile ? getProfile(profiles, options.profile) : undefined;
  const controls = options.profile ? resolveProfile(options.profile, profiles, catalogue) : catalogue.controls;
  const waivers = await loadWaiverFiles(options.waiverFiles ?? [], catalogue);
  const baseline = options.baselineFile ? await loadBaseline(options.baselineFile) : undefined;
  const history = options.historyDir ? await loadHistory(options.historyDir, profile?.id ?? null) : undefined;

  const targets = options.live ? pairTargets(options.live.targets, options.hosts) : [];
  // With live targets, only the hosts they name (and --host) are evaluated; otherwise every host.
  const wanted = options.live ? [...new Set([...(options.hosts ?? []), ...targets.flatMap((t) => (t.host ? [t.host] : []))])] : options.hosts;
  const evaluation = wanted?.length === 0 ? undefined : await evaluateFlake(controls, wanted, options);
  const statics = evaluation?.results ?? [];
  const live = options.live ? await runLiveChecks(controls, statics, { ...options.live, targets, jobs: options.jobs }) : undefined;
  const merged = live?.results ?? (options.runtime && evaluation ? await runRuntimeChecks(controls, statics, evaluation.hosts, { ...options.runtime, flakeRef: evaluation.flakeRef }) : statics);
  const waived = merged.map((r) => ({ ...r, ...waiveVerdict(r, waivers, today) }));
  const hostNames = [...(evaluation?.hosts ?? []), ...targets.filter((t) => !t.host).map((t) => t.label)];
  const profileControls = Object.fromEntries(
    [...profiles.byId.keys()].map((id) => [id, resolveProfile(id, profiles, catalogue).map((c) => c.id)]),
  );
  const scores = scoreReport(waived, profileControls);
  const generatedAt = new Date().toISOString();

  return {
    schemaVersion: 1,
    tool: { name: 'nixcheck', version: VERSION },
    nix: { version: evaluation?.nixVersion ?? null },
    flake: evaluation?.flakeRef ?? null,
    generatedAt,
    today,
    durationMs: performance.now() - started,
    profile: profile ? { id: profile.id, title: profile.title } : null,
    hosts: hostNames.map((name) => {
      const entryFile = evaluation?.entryFiles[name];
      const info = live?.targets.get(name);
      return { name, ...(entryFile ? { entryFile } : {}), ...(info ? { live: info } : {}) };
    }),
    controls: controls.map(controlInfo),
    results: waived,
    scores,
    expiredWaivers: expiredWaivers(waivers, today),
    ...(baseline ? { baseline: compareBaseline(baseline, waived) } : {}),
    ...(history ? { history: { runs: [...history.runs, { generatedAt, source: null, scores: trendScores(scores) }], otherProfile: history.otherProfile } } : {}),
    gate: complianceGate(waived, options),
    evaluations: evaluation?.stats ?? [],
    ...(evaluation?.selection ? { shard: shardInfo(options.shard!, evaluation.selection, positionsByHost(waived, evaluation.allHosts)) } : {}),
  };
}

/** Each result's position in the whole run: its host's (results are host by host). */
function positionsByHost(results: readonly ControlVerdict[], allHosts: readonly string[]): number[] {
  const index = new Map(allHosts.map((h, i) => [h, i]));
  return results.map((r) => index.get(r.host)!);
}

/**
 * --fail-under and --fail-on over the verdicts, the thresholds kept with the outcome.
 * Without a gate, any finding fails the run; with one, only the gates decide.
 */
export function complianceGate(verdicts: readonly ControlVerdict[], settings: { failUnder?: number; failOn?: Severity }): ComplianceGate {
  const gates: GateResult[] = [];
  if (settings.failUnder !== undefined) gates.push(failUnder(verdicts, settings.failUnder));
  if (settings.failOn) gates.push(failOn(verdicts, settings.failOn));
  if (gates.length === 0) gates.push(failOnFindings(verdicts));
  return {
    ...combineGates(...gates),
    ...(settings.failUnder !== undefined ? { failUnder: settings.failUnder } : {}),
    ...(settings.failOn ? { failOn: settings.failOn } : {}),
  };
}

/** The static verdicts of the flake's hosts (`hosts`, or all of them). */
async function evaluateFlake(controls: readonly Control[], hosts: readonly string[] | undefined, options: ComplyOptions) {
  if (!options.flake) throw new InputError('no flake: pass --flake or set `flake:` in nixcheck.yaml');
  const flake = resolveFlake(options.flake, options.baseDir);
  const evaluator = new Evaluator({ timeoutMs: options.timeoutMs, cacheDir: options.cacheDir });
  const allHosts = await listHosts(flake, options.hostsAttr, evaluator);
  const unknownHosts = (hosts ?? []).filter((h) => !allHosts.includes(h));
  if (unknownHosts.length) throw new InputError(`no host ${unknownHosts.join(', ')} in ${options.hostsAttr}; hosts: ${allHosts.join(', ')}`);
  const wanted = hosts ? [...hosts] : allHosts;
  const selection = options.shard ? selectShard(wanted, byName, options.shard) : undefined;
  const hostNames = selection?.items ?? wanted;
  const targets = hostNames.map((host) => ({ host, target: resolveTarget({ host }, { flake, hostsAttr: options.hostsAttr }) }));
  const roots = flake.localDir ? [flake.localDir, (gitTopLevel(flake.localDir)) ?? flake.localDir] : [];
  const locator = new SourceLocator(roots, (options.upstream ?? []).map((g) => resolve(options.baseDir, g)));
  const evaluated = await evaluateControls(controls, targets, {
    evaluator,
    jobs: options.jobs,
    events: options.events ?? new RunEvents(),
    locator,
  });
  // Shards only read the record: every shard of a run must split with the same costs.
  if (!options.shard) await recordCosts(options.cacheDir, 'comply', measuredDurations(evaluated.stats));
  return { ...evaluated, hosts: hostNames, allHosts: wanted, selection, flakeRef: flake.ref };
}

function controlInfo(c: Control): ControlInfo {
  return {
    id: c.id,
    title: c.title,
    severity: c.severity,
    impact: c.impact,
    rationale: c.rationale,
    remediation: c.remediation,
    fix: c.fix,
    fixes: c.fixes,
    ...(c.manualCheck !== undefined ? { manualCheck: c.manualCheck } : {}),
    refs: c.refs,
    mode: c.mode,
    location: c.location,
    builtin: c.builtin,
    runtime: c.runtime.map((r) => ({ command: r.command })),
  };
}

async function loadBaseline(file: string): Promise<ControlVerdict[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read baseline ${displayPath(file)}: ${(err as Error).message}`);
  }
  const validate = validatorFor('compliance');
  if (!validate(data)) {
    throw new InputError(`baseline ${displayPath(file)} is not a nixcheck compliance.json: ${validate.errors?.[0]?.instancePath} ${validate.errors?.[0]?.message}`);
  }
  return (data as ComplianceResult).results;
}
