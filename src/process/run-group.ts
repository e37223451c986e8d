import { execa } from 'execa';
import { checkTimerMs } from '../util/duration.js';
import { lineSplitter } from './line-splitter.js';
import { signalGroup, stoppingSignal, trackGroup } from './registry.js';

export interface GroupRunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Kill the whole process group after this long (ms). */
  timeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL (ms). */
  killGraceMs?: number;
  /** Written to the command's stdin (otherwise stdin is closed). */
  input?: string;
  /** Called with each complete stderr line as it arrives. */
  onStderrLine?: (line: string) => void;
  signal?: AbortSignal;
}

export interface GroupRunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
}

/**
 * Run a command in its own process group and, on timeout or cancellation, kill the
 * whole group: Nix builds and QEMU spawn children that outlive a killed parent. The
 * group is registered while it runs, so a signal to nixcheck ends it too (signals.ts).
 */
export async function runInProcessGroup(
  file: string,
  args: readonly string[],
  options: GroupRunOptions = {},
): Promise<GroupRunResult> {
  if (options.timeoutMs !== undefined) checkTimerMs(options.timeoutMs);
  const started = performance.now();
  const stopping = stoppingSignal();
  if (stopping) {
    return { exitCode: null, signal: null, stdout: '', stderr: `not started: nixcheck is stopping (${stopping})`, timedOut: false, cancelled: true, durationMs: 0 };
  }
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    detached: true,
    reject: false,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
    stripFinalNewline: false,
    maxBuffer: 1024 * 1024 * 1024,
  });
  const untrack = child.pid !== undefined ? trackGroup(child.pid) : () => {};
  let timedOut = false;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = () => {
    if (child.pid === undefined) return;
    const pgid = child.pid;
    signalGroup(pgid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), options.killGraceMs ?? 2000);
    killTimer.unref();
  };
  const timer =
    options.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          killGroup();
        }, options.timeoutMs)
      : undefined;
  const onAbort = () => {
    cancelled = true;
    killGroup();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const stderrLines = options.onStderrLine ? lineSplitter(options.onStderrLine) : undefined;
  if (stderrLines) child.stderr?.on('data', (chunk: Buffer) => stderrLines.push(chunk.toString('utf8')));

  const result = await child;
  if (timer) clearTimeout(timer);
  options.signal?.removeEventListener('abort', onAbort);
  // The leader is gone; make sure nothing it started survives it.
  if (timedOut || cancelled) signalGroup(child.pid!, 'SIGKILL');
  if (killTimer) clearTimeout(killTimer);
  untrack();
  stderrLines?.end();
  return {
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    timedOut,
    cancelled,
    durationMs: performance.now() - started,
  };
}
