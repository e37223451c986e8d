import { execa } from 'execa';

export interface GroupRunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Kill the whole process group after this long (ms). */
  timeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL (ms). */
  killGraceMs?: number;
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
 * whole group: Nix builds and QEMU spawn children that outlive a killed parent.
 */
export async function runInProcessGroup(
  file: string,
  args: readonly string[],
  options: GroupRunOptions = {},
): Promise<GroupRunResult> {
  const started = performance.now();
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    detached: true,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    maxBuffer: 1024 * 1024 * 1024,
  });
  let timedOut = false;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = () => {
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2000);
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

  let pending = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (!options.onStderrLine) return;
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      options.onStderrLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  });

  const result = await child;
  if (timer) clearTimeout(timer);
  options.signal?.removeEventListener('abort', onAbort);
  // The leader is gone; make sure nothing it started survives it.
  if (timedOut || cancelled) signalGroup(child.pid, 'SIGKILL');
  if (killTimer) clearTimeout(killTimer);
  if (pending && options.onStderrLine) options.onStderrLine(pending);
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

export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
