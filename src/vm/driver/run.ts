/**
 * Build a VM test's driver with `nix build` and run `bin/nixos-test-driver` directly:
 * a failed `nix build` of the test derivation discards $out, running the driver keeps
 * the log. Each run is in its own process group (QEMU, vde_switch and the driver die
 * together on timeout), with a per-test and a global deadline, retries, and a memory
 * budget bounding how many VM tests run at once.
 */
import { cpus, freemem } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { NIX_FEATURE_ARGS, nixBinary, nixErrorText, stripAnsi } from '../../nix/nix-cli.js';
import { runInProcessGroup } from '../../process/run-group.js';
import { makeTempDir, withTempDir, type TempDir } from '../../process/temp.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { DEFAULT_MEMORY_MIB } from './nix.js';
import { parseDriverLog, type ParsedDriverLog } from './parse-log.js';
import type { CompiledVmTest, FlakeCheckTest, ProgressCallback, RunnableTest } from './types.js';

export interface RunVmOptions {
  /** What builtins.getFlake receives; also the flake whose checks flake-check tests build. */
  flakeRef: string;
  /** Artifacts root: <outDir>/<test slug>/ gets test.nix, testScript.py, build.log, driver.log, out/. */
  outDir: string;
  /** Per-test driver timeout when the test sets none (ms, default 30 min). */
  timeoutMs?: number;
  /** Deadline for the whole run (ms): tests not started by then are not run, running ones are cut. */
  globalTimeoutMs?: number;
  /** Retries when a test fails (a test's own `retries` wins). */
  retries?: number;
  /**
   * Run this instead of building and running the real driver (tests use the labelled
   * stand-in driver): argv, or a function of the test and attempt (1-based).
   */
  driverCommand?: readonly string[] | ((test: RunnableTest, attempt: number) => readonly string[]);
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** MiB of RAM the VMs may use together (default: 80 % of free memory). */
  memoryBudgetMiB?: number;
  /** Upper bound on concurrent tests (default: number of CPUs / 2, at least 1). */
  concurrency?: number;
  /** Limit for `nix build` of one driver (ms; default: only the global deadline). */
  buildTimeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL for a timed-out driver (ms, default 5000). */
  killGraceMs?: number;
  /** Nix settings for `nix build` of the driver (`builders`, `max-jobs`...), passed as `--option NAME VALUE`. */
  nixOptions?: readonly (readonly [string, string])[];
}

export interface AttemptResult {
  attempt: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  log: ParsedDriverLog;
  logFile: string;
}

export interface TestRun {
  test: RunnableTest;
  artifactsDir: string;
  /** Why nothing ran: the driver did not build, the global deadline passed, cancelled. */
  notRun?: { reason: 'build' | 'global-timeout' | 'cancelled'; message: string; error?: string };
  buildDurationMs?: number;
  attempts: AttemptResult[];
  /** The judge's verdict on the last attempt. */
  passed: boolean;
  /** Passed, but only after a retry. */
  flaky: boolean;
}

/** Decides whether an attempt passed (retries happen when it did not). */
export type AttemptJudge = (test: RunnableTest, attempt: AttemptResult) => boolean;

const MIB = 1024 * 1024;
const VM_OVERHEAD_MIB = 256;

export function testMemoryMiB(test: RunnableTest): number {
  if (test.kind === 'flake-check') return test.memoryMiB ?? 2048;
  return test.nodes.reduce((sum, n) => sum + (n.memoryMiB || DEFAULT_MEMORY_MIB) + VM_OVERHEAD_MIB, 0);
}

/** How many tests may run at once: the memory budget over the hungriest test, capped. */
export function vmConcurrency(tests: readonly RunnableTest[], options: Pick<RunVmOptions, 'memoryBudgetMiB' | 'concurrency'>): number {
  const budget = options.memoryBudgetMiB ?? Math.floor((freemem() / MIB) * 0.8);
  const biggest = Math.max(1, ...tests.map(testMemoryMiB));
  const cap = options.concurrency ?? Math.max(1, Math.floor(cpus().length / 2));
  return Math.max(1, Math.min(cap, Math.floor(budget / biggest)));
}

/** Run tests (build, run, retry) and return what happened; never throws for a failing test. */
export async function runVmTests(tests: readonly RunnableTest[], options: RunVmOptions, judge: AttemptJudge): Promise<TestRun[]> {
  const deadline = options.globalTimeoutMs !== undefined ? Date.now() + options.globalTimeoutMs : Infinity;
  const limit = pLimit(vmConcurrency(tests, options));
  for (const t of tests) options.onProgress?.({ test: t.slug, phase: 'queued' });
  return Promise.all(tests.map((t) => limit(() => runOne(t, options, judge, deadline))));
}

async function runOne(test: RunnableTest, options: RunVmOptions, judge: AttemptJudge, deadline: number): Promise<TestRun> {
  const artifactsDir = resolve(options.outDir, test.slug);
  const run: TestRun = { test, artifactsDir, attempts: [], passed: false, flaky: false };
  const progress = options.onProgress ?? (() => {});
  if (test.kind !== 'flake-check') {
    await writeFileAtomic(join(artifactsDir, 'test.nix'), test.nix);
    await writeFileAtomic(join(artifactsDir, 'testScript.py'), test.python);
  }
  const remaining = () => deadline - Date.now();
  if (options.signal?.aborted) {
    run.notRun = { reason: 'cancelled', message: 'cancelled before it started' };
    return finish(run);
  }
  if (remaining() <= 0) {
    run.notRun = { reason: 'global-timeout', message: 'not run: the global timeout passed before it started' };
    return finish(run);
  }

  let tmp: TempDir | undefined;
  try {
    let argvFor: (attempt: number) => readonly string[];
    if (options.driverCommand) {
      const dc = options.driverCommand;
      argvFor = (attempt) => (typeof dc === 'function' ? dc(test, attempt) : dc);
    } else {
      tmp = await makeTempDir('nixcheck-vm-');
      progress({ test: test.slug, phase: 'build' });
      const built = await buildDriver(test, options, artifactsDir, tmp.path, remaining());
      run.buildDurationMs = built.durationMs;
      if (!built.ok) {
        run.notRun = { reason: 'build', message: built.message, error: built.error };
        return finish(run);
      }
      argvFor = () => [join(built.outLink, 'bin', 'nixos-test-driver'), '-o', join(artifactsDir, 'out')];
    }

    const maxAttempts = 1 + (test.retries ?? options.retries ?? 0);
    const timeoutMs = (test.timeoutS !== undefined ? test.timeoutS * 1000 : undefined) ?? options.timeoutMs ?? 30 * 60 * 1000;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) progress({ test: test.slug, phase: 'retry', attempt });
      if (remaining() <= 0 || options.signal?.aborted) break;
      const result = await runDriver(test, argvFor(attempt), attempt, options, artifactsDir, Math.min(timeoutMs, remaining()), tmp?.path);
      run.attempts.push(result);
      run.passed = judge(test, result);
      if (run.passed || result.cancelled) break;
    }
    if (run.attempts.length === 0) {
      run.notRun = options.signal?.aborted
        ? { reason: 'cancelled', message: 'cancelled before it started' }
        : { reason: 'global-timeout', message: 'not run: the global timeout passed before it started' };
    }
    run.flaky = run.passed && run.attempts.length > 1;
    return await finish(run);
  } finally {
    await tmp?.remove().catch(() => {});
  }

  async function finish(r: TestRun): Promise<TestRun> {
    const last = r.attempts.at(-1);
    await writeFileAtomic(
      join(artifactsDir, 'result.json'),
      JSON.stringify(
        {
          test: test.slug,
          passed: r.passed,
          flaky: r.flaky,
          notRun: r.notRun ?? null,
          attempts: r.attempts.map((a) => ({ attempt: a.attempt, exitCode: a.exitCode, signal: a.signal, timedOut: a.timedOut, durationMs: Math.round(a.durationMs), log: a.logFile })),
          lastExitCode: last?.exitCode ?? null,
        },
        null,
        2,
      ) + '\n',
    );
    progress({ test: test.slug, phase: 'done', verdict: r.passed ? 'pass' : r.notRun ? 'error' : 'fail' });
    return r;
  }
}

interface BuildOutcome {
  ok: boolean;
  outLink: string;
  durationMs: number;
  message: string;
  error?: string;
}

async function buildDriver(test: RunnableTest, options: RunVmOptions, artifactsDir: string, tmp: string, remainingMs: number): Promise<BuildOutcome> {
  const outLink = join(tmp, 'driver');
  let installable: string[];
  if (test.kind === 'flake-check') {
    const system = test.system ?? (await currentSystem());
    installable = [`${options.flakeRef}#checks.${system}.${JSON.stringify(test.name)}.driver`];
  } else {
    installable = ['-f', join(artifactsDir, 'test.nix'), 'driver'];
  }
  const buildLog: string[] = [];
  const timeoutMs = Math.min(options.buildTimeoutMs ?? Infinity, remainingMs);
  const r = await runInProcessGroup(
    nixBinary(),
    driverBuildArgs(installable, outLink, options.nixOptions ?? []),
    {
      ...(Number.isFinite(timeoutMs) ? { timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onStderrLine: (line) => {
        const clean = stripAnsi(line);
        buildLog.push(clean);
        options.onProgress?.({ test: test.slug, phase: 'build', line: clean });
      },
    },
  );
  await writeFileAtomic(join(artifactsDir, 'build.log'), buildLog.join('\n') + '\n');
  if (r.exitCode === 0 && !r.timedOut && !r.cancelled) return { ok: true, outLink, durationMs: r.durationMs, message: 'built' };
  const why = r.timedOut ? 'timed out' : r.cancelled ? 'was cancelled' : `failed (exit code ${r.exitCode})`;
  return { ok: false, outLink, durationMs: r.durationMs, message: `building the test driver ${why}`, error: nixErrorText(r.stderr) };
}

/** The arguments of `nix build` for a test driver; the user's Nix settings come before the installable. */
export function driverBuildArgs(installable: readonly string[], outLink: string, nixOptions: readonly (readonly [string, string])[]): string[] {
  return [...NIX_FEATURE_ARGS, 'build', '--impure', '-L', '--out-link', outLink, ...nixOptions.flatMap(([name, value]) => ['--option', name, value]), ...installable];
}

let systemPromise: Promise<string> | undefined;
async function currentSystem(): Promise<string> {
  systemPromise ??= runInProcessGroup(nixBinary(), [...NIX_FEATURE_ARGS, 'eval', '--impure', '--raw', '--expr', 'builtins.currentSystem']).then((r) =>
    r.exitCode === 0 ? r.stdout.trim() : 'x86_64-linux',
  );
  return systemPromise;
}

async function runDriver(
  test: RunnableTest,
  argv: readonly string[],
  attempt: number,
  options: RunVmOptions,
  artifactsDir: string,
  timeoutMs: number,
  tmp: string | undefined,
): Promise<AttemptResult> {
  const progress = options.onProgress ?? (() => {});
  progress({ test: test.slug, phase: 'run', attempt });
  const lines: string[] = [];
  const stepTitles = new Map((test.kind === 'flake-check' ? [] : test.steps).map((s) => [s.index, s.title]));
  const [file, ...args] = argv;
  return withTempDir(`state-${attempt}-`, async (stateDir) => {
    const r = await runInProcessGroup(file!, args, {
      timeoutMs,
      killGraceMs: options.killGraceMs ?? 5000,
      ...(options.signal ? { signal: options.signal } : {}),
      // Each run gets its own VM state, sockets and VLAN switches: runs never share them.
      env: { XDG_RUNTIME_DIR: stateDir, TMPDIR: stateDir, NIXCHECK_ARTIFACTS_DIR: artifactsDir },
      onStderrLine: (raw) => {
        const line = stripAnsi(raw);
        lines.push(line);
        progress({ test: test.slug, phase: 'line', attempt, line });
        const m = /nixcheck-step-(begin|end) (\d+)(?: (ok|failed))?/.exec(line);
        if (m) {
          const step = Number(m[2]);
          progress({
            test: test.slug,
            phase: m[1] === 'begin' ? 'step-begin' : 'step-end',
            attempt,
            step,
            ...(stepTitles.has(step) ? { title: stepTitles.get(step)! } : {}),
            ...(m[3] ? { status: m[3] } : {}),
          });
        }
      },
    });
    // The driver prints some things to stdout (symbols, print() of a user script): keep them after stderr.
    const stdoutLines = r.stdout ? stripAnsi(r.stdout).split('\n') : [];
    const all = [...lines, ...stdoutLines.filter((l) => l.length > 0)];
    const logText = all.join('\n') + '\n';
    // driver.log is always the latest attempt; every attempt also keeps its own file.
    const logFile = join(artifactsDir, `driver-attempt-${attempt}.log`);
    await writeFileAtomic(logFile, logText);
    await writeFileAtomic(join(artifactsDir, 'driver.log'), logText);
    return {
      attempt,
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: r.timedOut,
      cancelled: r.cancelled,
      durationMs: r.durationMs,
      log: parseDriverLog(all),
      logFile,
    };
  }, tmp);
}


export type { CompiledVmTest, FlakeCheckTest };
