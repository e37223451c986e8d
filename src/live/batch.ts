/**
 * Every check for one live target in ONE shell session (one ssh connection): a bash script,
 * read from stdin, that runs each check's command line (src/shell/check-command.ts) in turn
 * and frames its stdout and stderr with markers carrying a per-run random nonce, so output
 * that looks like a marker cannot be mistaken for one. Whatever the login shell prints
 * before the first marker (a banner, a noisy profile) is ignored.
 */
import { checkShellCommand, readCheckOutput, type CheckRun } from '../shell/check-command.js';

/** The script for `bash -s`; each command's stdin is /dev/null, so none can read the script. */
export function batchScript(commands: readonly string[], timeoutS: number, nonce: string): string {
  const lines = commands.flatMap((command, i) => [
    `printf '%s\\n' '${nonce} begin ${i}'; printf '%s\\n' '${nonce} begin ${i}' >&2`,
    checkShellCommand(command, timeoutS),
    `printf '\\n%s %d\\n' '${nonce} end ${i}' "$?"; printf '\\n%s\\n' '${nonce} end ${i}' >&2`,
  ]);
  return [...lines, ''].join('\n');
}

/** The text between `begin` and `end`, and the rest of the line after `end`. */
function framed(text: string, begin: string, end: string): { body: string; rest: string } | undefined {
  const start = text.indexOf(begin);
  if (start < 0) return undefined;
  const stop = text.indexOf(end, start + begin.length);
  if (stop < 0) return undefined;
  const nl = text.indexOf('\n', stop + end.length);
  return { body: text.slice(start + begin.length, stop), rest: text.slice(stop + end.length, nl < 0 ? undefined : nl) };
}

/**
 * One run per command, from the session's stdout and stderr; a command whose end marker
 * never came (the connection broke, the session was killed) gets no exit code and `why`.
 */
export function readBatchOutput(stdout: string, stderr: string, count: number, nonce: string, why: string): CheckRun[] {
  return Array.from({ length: count }, (_, i): CheckRun => {
    const out = framed(stdout, `${nonce} begin ${i}\n`, `\n${nonce} end ${i} `);
    const exitCode = out && /^\d+$/.test(out.rest) ? Number(out.rest) : null;
    if (!out || exitCode === null) return { exitCode: null, stdout: '', missingCommands: [], error: why };
    const err = framed(stderr, `${nonce} begin ${i}\n`, `\n${nonce} end ${i}\n`);
    return { exitCode, ...readCheckOutput(out.body), ...(err?.body ? { stderr: err.body } : {}) };
  });
}
