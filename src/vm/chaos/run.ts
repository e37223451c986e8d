import type { CaseResult, Verdict } from '../../result/model.js';
import { outcomesFromMarkers } from '../driver/results.js';
import { runVmTests, type AttemptResult, type RunVmOptions, type TestRun } from '../driver/run.js';
import type { CompiledVmTest } from '../driver/types.js';
import { compileChaosScenario } from './compile.js';
import type { ChaosScenario } from './types.js';

export type ChaosRunOptions = Omit<RunVmOptions, 'retries'>;

export interface ScenarioOutcome {
  verdict: Verdict;
  heldBefore: boolean | null;
  recovered: boolean | null;
  recoverySeconds: number | null;
  message: string;
  error?: string;
  rollbackFailed: boolean;
  /** What the fault injection printed (the disk-full fault's `df`). */
  faultOutput?: string;
}

export interface HostResilience {
  host: string;
  /** sum(weight × recovered) / sum(weight) × 100 over the host's scored scenarios; null when none was scored. */
  score: number | null;
  scenarios: number;
  recovered: number;
  /** Scenarios left out of the score (the hypothesis did not hold before the fault, or the run failed). */
  excluded: number;
}

export interface ChaosRunResult {
  cases: CaseResult[];
  resilience: HostResilience[];
}

interface ProbeResult {
  index: number;
  ok: boolean;
  detail: string;
}

function failedProbes(scenario: ChaosScenario, data: Record<string, unknown> | undefined): string {
  const probes = Array.isArray(data?.['probes']) ? (data!['probes'] as ProbeResult[]) : [];
  return probes
    .filter((p) => !p.ok)
    .map((p) => `${scenario.probes[p.index]?.title ?? `probe ${p.index}`} (${p.detail})`)
    .join('; ');
}

/** Read the chaos markers of an attempt. */
export function scenarioOutcome(scenario: ChaosScenario, test: CompiledVmTest, attempt: AttemptResult | undefined, notRun?: TestRun['notRun']): ScenarioOutcome {
  const none = { heldBefore: null, recovered: null, recoverySeconds: null, rollbackFailed: false };
  if (!attempt) return { ...none, verdict: 'error', message: notRun?.message ?? 'not run', ...(notRun?.error ? { error: notRun.error } : {}) };
  const event = (name: string) => attempt.log.chaos.find((e) => e.event === name)?.data;
  const steps = outcomesFromMarkers(test.steps, attempt);
  const rollbackFailed = steps.some((s) => s.index >= 4 && (s.status === 'fail' || s.status === 'error'));
  const before = event('hypothesis-before');
  const errText = steps.find((s) => s.status === 'fail' || s.status === 'error')?.error;
  if (!before) {
    const why = attempt.timedOut ? 'timed out before the steady state was checked' : 'the VMs did not come up (no steady-state check ran)';
    return { ...none, verdict: 'error', message: why, ...(errText ? { error: errText } : {}) };
  }
  if (before['held'] !== true) {
    return { ...none, heldBefore: false, verdict: 'error', message: `the steady state did not hold before the fault, so the scenario proves nothing: ${failedProbes(scenario, before)}` };
  }
  const fault = steps.find((s) => s.index === 2);
  const faultOutput = fault?.outputs.map((o) => o.stdout).join('').trim();
  const recovery = event('recovery');
  if (!recovery) {
    const message =
      fault?.status === 'fail' || fault?.status === 'error'
        ? `injecting the fault failed: ${fault.message ?? ''}`
        : attempt.timedOut
          ? 'timed out before recovery was measured'
          : 'no recovery measurement in the log';
    return { ...none, heldBefore: true, verdict: 'error', message, ...(errText ? { error: errText } : {}), ...(faultOutput ? { faultOutput } : {}) };
  }
  const recovered = recovery['recovered'] === true;
  const seconds = typeof recovery['seconds'] === 'number' ? recovery['seconds'] : null;
  const rb = rollbackFailed ? ' (a rollback step failed)' : '';
  return {
    heldBefore: true,
    recovered,
    recoverySeconds: recovered ? seconds : null,
    rollbackFailed,
    verdict: recovered ? 'pass' : 'fail',
    message: recovered
      ? `recovered in ${seconds}s (deadline ${scenario.recoveryDeadlineS}s)${rb}`
      : `did not recover within ${scenario.recoveryDeadlineS}s: ${failedProbes(scenario, recovery)}${rb}`,
    ...(rollbackFailed ? { error: steps.filter((s) => s.index >= 4 && s.status !== 'pass').map((s) => `${s.title}: ${s.message ?? s.status}`).join('\n') } : {}),
    ...(faultOutput ? { faultOutput } : {}),
  };
}

/** Resilience per host (the host of the node the fault hits). */
export function resilienceScores(items: readonly { scenario: ChaosScenario; outcome: ScenarioOutcome }[]): HostResilience[] {
  const byHost = new Map<string, HostResilience & { weight: number; recoveredWeight: number }>();
  for (const { scenario, outcome } of items) {
    const host = scenario.nodes.find((n) => n.name === scenario.fault.node)?.host ?? scenario.fault.node;
    const h = byHost.get(host) ?? { host, score: null, scenarios: 0, recovered: 0, excluded: 0, weight: 0, recoveredWeight: 0 };
    h.scenarios++;
    if (outcome.recovered === null) h.excluded++;
    else {
      h.weight += scenario.weight;
      if (outcome.recovered) {
        h.recovered++;
        h.recoveredWeight += scenario.weight;
      }
    }
    byHost.set(host, h);
  }
  return [...byHost.values()]
    .map(({ weight, recoveredWeight, ...h }) => ({ ...h, score: weight > 0 ? Math.round((recoveredWeight / weight) * 10000) / 100 : null }))
    .sort((a, b) => a.host.localeCompare(b.host));
}

export function chaosCase(scenario: ChaosScenario, outcome: ScenarioOutcome, run: TestRun | undefined, hostScore: number | null | undefined): CaseResult {
  const faultHost = scenario.nodes.find((n) => n.name === scenario.fault.node)?.host ?? scenario.fault.node;
  const attempt = run?.attempts.at(-1);
  return {
    id: `chaos:${scenario.suiteFile}:${scenario.name}`,
    kind: 'chaos',
    suite: scenario.suite,
    suiteFile: scenario.suiteFile,
    name: scenario.name,
    location: scenario.location,
    target: { label: faultHost, host: faultHost },
    path: `${scenario.fault.kind} on ${scenario.fault.node}`,
    root: 'attr',
    verdict: outcome.verdict,
    expected: `the steady state (${scenario.probes.map((p) => p.title).join('; ')}) holds again within ${scenario.recoveryDeadlineS}s of a ${scenario.fault.kind} fault`,
    ...(outcome.recovered !== null ? { actual: { heldBefore: outcome.heldBefore, recovered: outcome.recovered, recoverySeconds: outcome.recoverySeconds } } : {}),
    message: outcome.message,
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(attempt?.timedOut ? { errorReason: 'timeout' as const } : {}),
    durationMs: Math.round((run?.buildDurationMs ?? 0) + (run?.attempts.reduce((s, a) => s + a.durationMs, 0) ?? 0)),
    cached: false,
    properties: {
      faultKind: scenario.fault.kind,
      faultNode: scenario.fault.node,
      weight: String(scenario.weight),
      heldBefore: String(outcome.heldBefore),
      recovered: String(outcome.recovered),
      recoverySeconds: outcome.recoverySeconds === null ? '' : String(outcome.recoverySeconds),
      recoveryDeadlineSeconds: String(scenario.recoveryDeadlineS),
      rollbackFailed: String(outcome.rollbackFailed),
      resilienceScore: hostScore === null || hostScore === undefined ? '' : String(hostScore),
      ...(outcome.faultOutput ? { faultOutput: outcome.faultOutput } : {}),
      ...(run ? { artifacts: run.artifactsDir } : {}),
    },
  };
}

/** Compile, build and run chaos scenarios; score resilience per host. No retries: a flaky recovery is a finding. */
export async function runChaosScenarios(scenarios: readonly ChaosScenario[], options: ChaosRunOptions): Promise<ChaosRunResult> {
  const active = scenarios.filter((s) => !s.skip);
  const compiled = new Map(active.map((s) => [s, compileChaosScenario(s, { flakeRef: options.flakeRef })]));
  const runs = await runVmTests([...compiled.values()], { ...options, retries: 0 }, (test, attempt) => {
    const scenario = active.find((s) => compiled.get(s) === test)!;
    return scenarioOutcome(scenario, test as CompiledVmTest, attempt).verdict === 'pass';
  });
  const runBySlug = new Map(runs.map((r) => [r.test.slug, r]));
  const items = active.map((scenario) => {
    const test = compiled.get(scenario)!;
    const run = runBySlug.get(test.slug);
    return { scenario, run, outcome: scenarioOutcome(scenario, test, run?.attempts.at(-1), run?.notRun) };
  });
  const resilience = resilienceScores(items);
  const scoreOf = new Map(resilience.map((r) => [r.host, r.score]));
  const cases = scenarios.map((scenario) => {
    const item = items.find((i) => i.scenario === scenario);
    const host = scenario.nodes.find((n) => n.name === scenario.fault.node)?.host ?? scenario.fault.node;
    if (!item) {
      return chaosCase(scenario, { verdict: 'skip', heldBefore: null, recovered: null, recoverySeconds: null, rollbackFailed: false, message: scenario.skip ?? 'skipped' }, undefined, scoreOf.get(host));
    }
    return chaosCase(scenario, item.outcome, item.run, scoreOf.get(host));
  });
  return { cases, resilience };
}
