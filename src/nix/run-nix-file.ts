import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcessGroup } from '../process/run-group.js';
import { MARKER_PREFIX, NIX_FEATURE_ARGS, nixBinary, nixErrorText, stripAnsi } from './nix-cli.js';

export interface NixFileAttempt<T> {
  answer?: T;
  /** The last progress marker (`trace: nixcheck:<marker>`) Nix printed. */
  lastMarker?: string;
  error?: string;
  timedOut: boolean;
  cancelled: boolean;
}

/**
 * Evaluate one of nixcheck's Nix programs with `nix eval --json --impure --file`, the
 * request passed as a JSON file named by the environment variable `requestEnv`, in its
 * own process group, killed whole at the timeout. `what` names it in error messages.
 */
export async function runNixFile<T>(
  file: string,
  requestEnv: string,
  request: unknown,
  options: { timeoutMs: number; signal?: AbortSignal; what: string; nixArgs?: readonly string[] },
): Promise<NixFileAttempt<T>> {
  const dir = await mkdtemp(join(tmpdir(), 'nixcheck-'));
  const requestFile = join(dir, 'request.json');
  await writeFile(requestFile, JSON.stringify(request));
  let lastMarker: string | undefined;
  try {
    const run = await runInProcessGroup(nixBinary(), [...NIX_FEATURE_ARGS, 'eval', '--json', '--impure', ...(options.nixArgs ?? []), '--file', file], {
      env: { [requestEnv]: requestFile },
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      onStderrLine: (raw) => {
        const line = stripAnsi(raw);
        if (line.startsWith(MARKER_PREFIX)) lastMarker = line.slice(MARKER_PREFIX.length).trim();
      },
    });
    const base = { ...(lastMarker !== undefined ? { lastMarker } : {}), timedOut: run.timedOut, cancelled: run.cancelled };
    if (run.exitCode === 0 && !run.timedOut && !run.cancelled) {
      try {
        return { ...base, answer: JSON.parse(run.stdout) as T };
      } catch {
        return { ...base, error: `nix printed output that is not JSON: ${run.stdout.slice(0, 200)}` };
      }
    }
    const error = run.timedOut
      ? `${options.what} timed out after ${(options.timeoutMs / 1000).toFixed(1)} s (the process group was killed)`
      : run.cancelled
        ? `${options.what} was cancelled`
        : run.signal
          ? `nix was killed by ${run.signal} (out of memory?) during ${options.what}`
          : nixErrorText(run.stderr);
    return { ...base, error };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
