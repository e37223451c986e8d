/**
 * The one way nixcheck runs a check's shell command on a system: a runtime compliance check
 * in a VM or on a live host, and a chaos probe. The command runs under bash with
 * `set -o pipefail` (a failing pipeline stage fails the command), `LC_ALL=C`, stdin from
 * /dev/null and a per-command timeout, and with a `command_not_found_handle` that reports
 * every command bash cannot find on the command's original stdout, even one behind `||`,
 * inside `$(...)` or with its stderr discarded: a missing tool is an error, never an empty
 * output that a matcher could take for a pass.
 */

/** Printed (on a line of its own, after a newline) for each command bash cannot find. */
export const MISSING_COMMAND_MARKER = 'nixcheck-command-not-found:';

/** Seconds between the timeout's SIGTERM and SIGKILL. */
const KILL_AFTER_S = 5;

/** Exit codes of `timeout`: the command ran out of time (124), or had to be killed after it (137). */
export const TIMEOUT_EXIT_CODES: readonly number[] = [124, 137];
/** Exit codes bash gives a command it cannot find (127) or cannot execute (126). */
export const NOT_RUNNABLE_EXIT_CODES: readonly number[] = [126, 127];

/** Single-quote for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/** The bash script that runs `command` (what `bash -c` receives). */
export function checkScript(command: string): string {
  return [
    'set -o pipefail',
    'export LC_ALL=C',
    // A copy of stdout taken now: the handler reports through it even where the command
    // pipes, captures or discards its own output.
    'exec {nixcheck_report}>&1',
    `command_not_found_handle() { printf '\\n${MISSING_COMMAND_MARKER}%s\\n' "$1" >&"$nixcheck_report"; printf 'bash: %s: command not found\\n' "$1" >&2; return 127; }`,
    command,
  ].join('\n');
}

/** A command line for any POSIX shell: the check under `timeout`, stdin from /dev/null. */
export function checkShellCommand(command: string, timeoutS: number): string {
  return `timeout -k ${KILL_AFTER_S} ${Math.max(1, Math.round(timeoutS))} bash -c ${shellQuote(checkScript(command))} </dev/null`;
}

/** The command's own stdout, and the commands bash could not find. */
export function readCheckOutput(stdout: string): { stdout: string; missingCommands: string[] } {
  const missingCommands: string[] = [];
  const marker = new RegExp(`\\n${MISSING_COMMAND_MARKER}([^\\n]*)(?:\\n|$)`, 'g');
  const clean = stdout.replace(marker, (_m, name: string) => {
    missingCommands.push(name);
    return '';
  });
  return { stdout: clean, missingCommands: [...new Set(missingCommands)] };
}

/** What one run of a check command gave. */
export interface CheckRun {
  /** null: no exit code (the command did not run, or its runner failed). */
  exitCode: number | null;
  /** The command's stdout, markers removed. */
  stdout: string;
  /** Where the runner captures it (live hosts; a VM's execute() gives stdout only). */
  stderr?: string;
  missingCommands: string[];
  /** Why there is no exit code. */
  error?: string;
}

/**
 * Whether the run answered at all: the command ran to an exit code that is an answer
 * (`answerCodes`, default 0), found every command and did not time out. Returns the
 * reason it did not, or null when its stdout can be judged.
 */
export function unansweredReason(run: CheckRun, answerCodes: readonly number[], timeoutS: number): string | null {
  const stderr = run.stderr?.trim().split('\n').at(-1);
  const detail = stderr ? `: ${stderr.slice(0, 200)}` : '';
  if (run.missingCommands.length) return `command not found: ${run.missingCommands.join(', ')}`;
  if (run.exitCode === null) return run.error ?? 'the command did not run';
  if (NOT_RUNNABLE_EXIT_CODES.includes(run.exitCode)) return `a command could not be found or run (exit ${run.exitCode})${detail}`;
  if (TIMEOUT_EXIT_CODES.includes(run.exitCode)) return `timed out after ${timeoutS}s (exit ${run.exitCode})${detail}`;
  if (!answerCodes.includes(run.exitCode)) {
    return `exited ${run.exitCode}, which is not an answer (${answerCodes.join(', ')}): a command or pipeline stage failed${detail}`;
  }
  return null;
}
