/**
 * `nixcheck comply`: load and validate (catalogue, profiles, waivers, baseline) -> plan
 * (controls x hosts) -> evaluate (one batched evaluation per host) -> verdicts (waivers
 * applied) -> scores and gates -> the one compliance result every report reads.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SourceLocator } from '../evidence/source-locator.js';
import { resolveFlake } from '../nix/flake-ref.js';
import { Evaluator } from '../nix/evaluator.js';
import { gitTopLevel } from '../nix/source-hash.js';
import { RunEvents } from '../run/events.js';
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
import { getProfile, loadProfiles, resolveProfile } from './profiles.js';
import { combineGates, compareBaseline, failOn, failUnder, scoreReport, type BaselineDiff, type GateResult, type HostScores } from './score.js';
import type { Control, ControlVerdict, Severity, Waiver } from './types.js';
import { expiredWaivers, loadWaiverFiles, toDay, waiveVerdict } from './waivers.js';

export interface ComplyOptions {
  flake: string;
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
  jobs: number;
  timeoutMs: number;
  cacheDir: string | null;
  events?: RunEvents;
}

/** A control as reports show it (the checks themselves stay in the catalogue). */
export type ControlInfo = Pick<Control, 'id' | 'title' | 'severity' | 'impact' | 'rationale' | 'remediation' | 'fix' | 'refs' | 'mode' | 'location' | 'builtin'> & {
  runtime: { command: string }[];
};

export interface ComplianceResult {
  schemaVersion: 1;
  tool: { name: 'nixcheck'; version: string };
  nix: { version: string | null };
  flake: string;
  generatedAt: string;
  today: string;
  durationMs: number;
  profile: { id: string; title: string } | null;
  hosts: { name: string; entryFile?: string }[];
  controls: ControlInfo[];
  results: ControlResult[];
  /** Per host: overall, per framework, per profile, per CIS level, per NIST family. */
  scores: Record<string, HostScores>;
  expiredWaivers: Waiver[];
  baseline?: BaselineDiff;
  /** With --history: earlier runs of the same profile and this one, oldest first. */
  history?: ComplianceHistory;
  gate: GateResult;
  evaluations: { target: string; durationMs: number; cached: boolean; processes: number }[];
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

  const flake = resolveFlake(options.flake, options.baseDir);
  const evaluator = new Evaluator({ timeoutMs: options.timeoutMs, cacheDir: options.cacheDir });
  const allHosts = await listHosts(flake, options.hostsAttr, evaluator);
  const unknownHosts = (options.hosts ?? []).filter((h) => !allHosts.includes(h));
  if (unknownHosts.length) throw new InputError(`no host ${unknownHosts.join(', ')} in ${options.hostsAttr}; hosts: ${allHosts.join(', ')}`);
  const hostNames = options.hosts ?? allHosts;
  const hosts = hostNames.map((host) => ({ host, target: resolveTarget({ host }, { flake, hostsAttr: options.hostsAttr }) }));
  const roots = flake.localDir ? [flake.localDir, (await gitTopLevel(flake.localDir)) ?? flake.localDir] : [];
  const locator = new SourceLocator(roots, (options.upstream ?? []).map((g) => resolve(options.baseDir, g)));

  const { results, stats, nixVersion, entryFiles } = await evaluateControls(controls, hosts, {
    evaluator,
    jobs: options.jobs,
    events: options.events ?? new RunEvents(),
    locator,
  });
  const merged = options.runtime ? await runRuntimeChecks(controls, results, hostNames, { ...options.runtime, flakeRef: flake.ref }) : results;
  const waived = merged.map((r) => ({ ...r, ...waiveVerdict(r, waivers, today) }));
  const profileControls = Object.fromEntries(
    [...profiles.byId.keys()].map((id) => [id, resolveProfile(id, profiles, catalogue).map((c) => c.id)]),
  );
  const gates: GateResult[] = [];
  if (options.failUnder !== undefined) gates.push(failUnder(waived, options.failUnder));
  if (options.failOn) gates.push(failOn(waived, options.failOn));
  const scores = scoreReport(waived, profileControls);
  const generatedAt = new Date().toISOString();

  return {
    schemaVersion: 1,
    tool: { name: 'nixcheck', version: VERSION },
    nix: { version: nixVersion },
    flake: flake.ref,
    generatedAt,
    today,
    durationMs: performance.now() - started,
    profile: profile ? { id: profile.id, title: profile.title } : null,
    hosts: hostNames.map((name) => ({ name, ...(entryFiles[name] ? { entryFile: entryFiles[name] } : {}) })),
    controls: controls.map(controlInfo),
    results: waived,
    scores,
    expiredWaivers: expiredWaivers(waivers, today),
    ...(baseline ? { baseline: compareBaseline(baseline, waived) } : {}),
    ...(history ? { history: { runs: [...history.runs, { generatedAt, source: null, scores: trendScores(scores) }], otherProfile: history.otherProfile } } : {}),
    gate: combineGates(...gates),
    evaluations: stats,
  };
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
