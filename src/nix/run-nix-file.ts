import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInProcessGroup } from '../process/run-group.js';
import { withTempDir } from '../process/temp.js';
import { MARKER_PREFIX, NIX_FEATURE_ARGS, nixBinary, nixErrorText, stripAnsi } from './nix-cli.js';
import { parseReadReport, READ_REPORTING_ARGS, recordReportedRead, type ReportedReads } from './reported-reads.js';

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
 * With `reads`, Nix is asked to report what it reads, and the reports are collected there.
 */
export async function runNixFile<T>(
  file: string,
  requestEnv: string,
  request: unknown,
  options: { timeoutMs: number; signal?: AbortSignal; what: string; reads?: ReportedReads; nixArgs?: readonly string[] },
): Promise<NixFileAttempt<T>> {
  return withTempDir('nixcheck-', async (dir) => {
    const requestFile = join(dir, 'request.json');
    await writeFile(requestFile, JSON.stringify(request));
    let lastMarker: string | undefined;
    const reads = options.reads;
    const verbosity = reads ? READ_REPORTING_ARGS : [];
    const run = await runInProcessGroup(nixBinary(), [...NIX_FEATURE_ARGS, 'eval', ...verbosity, '--json', '--impure', ...(options.nixArgs ?? []), '--file', file], {
      env: { [requestEnv]: requestFile },
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      onStderrLine: (raw) => {
        const line = stripAnsi(raw);
        if (line.startsWith(MARKER_PREFIX)) lastMarker = line.slice(MARKER_PREFIX.length).trim();
        else if (reads) recordReportedRead(reads, line);
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
          : nixErrorText(reads ? withoutReadReports(run.stderr) : run.stderr);
    return { ...base, error };
  });
}

/** Nix's stderr without the lines that only report reads (they are no part of an error). */
function withoutReadReports(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !parseReadReport(stripAnsi(line)))
    .join('\n');
}
