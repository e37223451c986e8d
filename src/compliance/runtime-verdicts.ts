/**
 * Runtime checks' verdicts, wherever the commands ran (one VM per host, or a live target):
 * each run is an answer or an error (src/shell/check-command.ts decides which), the
 * matchers judge an answer's trimmed stdout, the control's status combines its static
 * verdict with the runtime ones, and where a command prints the live value of a path the
 * control also checks statically (`printsValueOf`), a different value is drift.
 */
import { match } from '../match/matchers.js';
import { unansweredReason, type CheckRun } from '../shell/check-command.js';
import { formatValue } from '../util/format-value.js';
import { pathChecks } from './catalogue.js';
import type { ControlResult } from './evaluate-controls.js';
import type { Control, ControlStatus, RuntimeCheck } from './types.js';

export interface RuntimeCheckResult {
  command: string;
  status: 'pass' | 'fail' | 'error';
  exitCode: number | null;
  /** Trimmed stdout. */
  stdout: string;
  /** Where the runner captures it (live targets). */
  stderr?: string;
  reason?: string;
}

export interface Drift {
  path: string;
  /** What the flake evaluates the path to. */
  evaluated: unknown;
  /** What the running system printed (trimmed). */
  live: string;
  command: string;
}

/** A runtime check that was deliberately not run here, and why. */
export interface NotRun {
  notRun: string;
}

/** The runtime checks' runs on one system. */
export interface SystemRuns {
  /** The results' host. */
  host: string;
  /** The live target the commands ran on (absent: a VM). */
  target?: string;
  /** Nothing ran: why. */
  problem?: string;
  /** Per control id, one entry per runtime check of the control, in order (undefined: no result came back). */
  runs: ReadonlyMap<string, readonly (CheckRun | NotRun | undefined)[]>;
  /** Seconds each command was given. */
  timeoutS: number;
}

export function judgeRuntimeCheck(check: RuntimeCheck, run: CheckRun, timeoutS: number): RuntimeCheckResult {
  const stdout = run.stdout.trim();
  const stderr = run.stderr?.trim();
  const base = { command: check.command, exitCode: run.exitCode, stdout, ...(stderr ? { stderr: stderr.slice(0, 4000) } : {}) };
  const unanswered = unansweredReason(run, check.exitCodes, timeoutS);
  if (unanswered) return { ...base, status: 'error', reason: unanswered };
  const outcome = match(check.expect, { kind: 'value', exists: true, value: stdout, type: 'string' }, { numericStrings: true });
  return { ...base, status: outcome.pass ? 'pass' : 'fail', ...(outcome.reason ? { reason: outcome.reason } : {}) };
}

/**
 * Whether a printed value differs from the evaluated one: numbers as numbers, booleans as
 * 1/0, yes/no, true/false, on/off, text case-insensitively with whitespace runs as one
 * space. Lists, attribute sets and null are not compared (false).
 */
export function liveValueDiffers(evaluated: unknown, live: string): boolean {
  const text = live.trim().replace(/\s+/g, ' ');
  const numeric = (s: string) => s !== '' && Number.isFinite(Number(s));
  if (typeof evaluated === 'boolean') {
    const truthy = ['1', 'true', 'yes', 'on'].includes(text.toLowerCase());
    const falsy = ['0', 'false', 'no', 'off'].includes(text.toLowerCase());
    return evaluated ? !truthy : !falsy;
  }
  if (typeof evaluated === 'number') return !numeric(text) || Number(text) !== evaluated;
  if (typeof evaluated === 'string') {
    const want = evaluated.trim().replace(/\s+/g, ' ');
    return numeric(want) && numeric(text) ? Number(want) !== Number(text) : want.toLowerCase() !== text.toLowerCase();
  }
  return false;
}

/** Drift of one answered check: only against a value the configuration really sets. */
function driftOf(control: Control, result: ControlResult, check: RuntimeCheck, run: RuntimeCheckResult): Drift | undefined {
  if (!check.printsValueOf || run.status === 'error') return undefined;
  const want = JSON.stringify(check.printsValueOf.attrPath);
  const k = pathChecks(control.checks).findIndex((c) => JSON.stringify(c.attrPath) === want);
  const evaluated = result.checks[k];
  // A documented default (the path is absent) is what the kernel would have, not what the
  // flake sets: no drift is claimed against it.
  if (!evaluated || evaluated.status === 'error' || !evaluated.exists) return undefined;
  if (!liveValueDiffers(evaluated.value, run.stdout)) return undefined;
  return { path: evaluated.path, evaluated: evaluated.value, live: run.stdout, command: check.command };
}

const NO_RESULT: CheckRun = { exitCode: null, stdout: '', missingCommands: [], error: 'no result came back for this command' };

function join(...parts: (string | undefined)[]): string | undefined {
  return parts.filter(Boolean).join('; ') || undefined;
}

/** fail beats error beats pass. */
function worst(statuses: readonly ('pass' | 'fail' | 'error')[]): 'pass' | 'fail' | 'error' {
  return statuses.includes('fail') ? 'fail' : statuses.includes('error') ? 'error' : 'pass';
}

export function describeDrift(d: Drift, where: string): string {
  return `drift: the flake evaluates ${d.path} to ${formatValue(d.evaluated, 80)}, ${where} has ${JSON.stringify(d.live.slice(0, 80))} (\`${d.command}\`)`;
}

/** "`cmd` printed "1": expected ..." or "`cmd`: command not found: auditctl". */
export function describeRuntimeProblem(x: RuntimeCheckResult): string {
  return `\`${x.command}\` ${x.status === 'error' ? x.reason : `printed ${JSON.stringify(x.stdout.slice(0, 120))}: ${x.reason ?? ''}`}`;
}

function mergeOne(control: Control, r: ControlResult, system: SystemRuns): ControlResult {
  const where = system.target ?? 'the VM';
  const label = system.target ? `runtime on ${system.target}` : 'runtime';
  const target = system.target ? { target: system.target } : {};
  if (system.problem) return { ...r, ...target, message: join(r.message, `runtime checks did not run on ${where}: ${system.problem}`)! };
  const entries = system.runs.get(control.id) ?? [];
  const runtime: RuntimeCheckResult[] = [];
  const drift: Drift[] = [];
  const notRun: string[] = [];
  control.runtime.forEach((check, k) => {
    const entry = entries[k];
    if (entry && 'notRun' in entry) {
      notRun.push(`\`${check.command}\` not run on ${where}: ${entry.notRun}`);
      return;
    }
    const result = judgeRuntimeCheck(check, entry ?? NO_RESULT, system.timeoutS);
    runtime.push(result);
    const d = driftOf(control, r, check, result);
    if (d) drift.push(d);
  });
  const skipped = notRun.join('; ') || undefined;
  if (runtime.length === 0) return { ...r, ...target, ...(join(r.message, skipped) ? { message: join(r.message, skipped)! } : {}) };
  // The static verdict stands when it fails or errs; a static pass, or a runtime-only
  // control, takes the runtime verdict; drift on top of a pass is its own finding.
  const staticDecides = r.status !== 'pass' && r.status !== 'manual';
  let status: ControlStatus = staticDecides ? r.status : worst(runtime.map((x) => x.status));
  if (status === 'pass' && drift.length) status = 'drift';
  const failed = runtime.find((x) => x.status === 'fail') ?? runtime.find((x) => x.status === 'error');
  const runtimeMessage = failed ? `${label}: ${describeRuntimeProblem(failed)}` : undefined;
  const message = join(staticDecides ? r.message : undefined, runtimeMessage, ...drift.map((d) => describeDrift(d, where)), skipped);
  const { message: _static, ...rest } = r;
  return { ...rest, ...target, status, runtime, ...(drift.length ? { drift } : {}), ...(message ? { message } : {}) };
}

/** The static results with the runtime verdicts of each system merged in. */
export function mergeRuntimeRuns(controls: readonly Control[], results: readonly ControlResult[], systems: readonly SystemRuns[]): ControlResult[] {
  const byId = new Map(controls.map((c) => [c.id, c]));
  const byHost = new Map(systems.map((s) => [s.host, s]));
  return results.map((r) => {
    const control = byId.get(r.controlId);
    const system = byHost.get(r.host);
    if (!control || !system || control.runtime.length === 0 || r.status === 'not-applicable') return r;
    return mergeOne(control, r, system);
  });
}
