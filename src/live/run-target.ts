/**
 * Run check commands on one live target: the batch script (src/live/batch.ts) goes to
 * `bash -s` on this machine (`local`) or through the user's own `ssh` client, so
 * ~/.ssh/config, agents, ProxyJump and known hosts work as they do for the user. nixcheck
 * adds only BatchMode (never a password prompt), connection and keepalive timeouts, and
 * the port and user of the URL; host keys are checked as the ssh configuration says.
 */
import { randomBytes } from 'node:crypto';
import { runInProcessGroup } from '../process/run-group.js';
import type { CheckRun } from '../shell/check-command.js';
import { batchScript, readBatchOutput } from './batch.js';
import type { LiveTarget } from './target.js';

export interface RunTargetOptions {
  /** `ssh -F FILE`; default: ssh's own (~/.ssh/config). */
  sshConfig?: string;
  /** Seconds each command may run. */
  commandTimeoutS: number;
  /** Seconds ssh may take to connect. */
  connectTimeoutS?: number;
  signal?: AbortSignal;
}

export interface TargetRun {
  runs: CheckRun[];
  /** Set when the session failed before every command had run (connection refused...). */
  problem?: string;
  durationMs: number;
}

export const DEFAULT_CONNECT_TIMEOUT_S = 15;
/** Seconds after the last command's timeout before the whole session is killed. */
const SESSION_SLACK_S = 60;

/** The program and arguments that run `bash -s` on the target. */
export function shellArgv(target: LiveTarget, options: Pick<RunTargetOptions, 'sshConfig' | 'connectTimeoutS'>): [string, string[]] {
  if (target.kind === 'local') return ['bash', ['-s']];
  return [
    'ssh',
    [
      ...(options.sshConfig ? ['-F', options.sshConfig] : []),
      '-o', 'BatchMode=yes',
      '-o', `ConnectTimeout=${options.connectTimeoutS ?? DEFAULT_CONNECT_TIMEOUT_S}`,
      '-o', 'ServerAliveInterval=15',
      '-o', 'ServerAliveCountMax=3',
      '-T',
      ...(target.port !== undefined ? ['-p', String(target.port)] : []),
      ...(target.user !== undefined ? ['-l', target.user] : []),
      '--',
      target.destination,
      'bash -s',
    ],
  ];
}

export async function runOnTarget(target: LiveTarget, commands: readonly string[], options: RunTargetOptions): Promise<TargetRun> {
  if (commands.length === 0) return { runs: [], durationMs: 0 };
  const nonce = `nixcheck-${randomBytes(12).toString('hex')}`;
  const [file, args] = shellArgv(target, options);
  const result = await runInProcessGroup(file, args, {
    input: batchScript(commands, options.commandTimeoutS, nonce),
    timeoutMs: (commands.length * (options.commandTimeoutS + 5) + (options.connectTimeoutS ?? DEFAULT_CONNECT_TIMEOUT_S) + SESSION_SLACK_S) * 1000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // What the session printed outside the checks' frames: ssh's own errors, the shell's.
  const outside = result.stderr.replace(new RegExp(`${nonce} begin \\d+\\n[\\s\\S]*?\\n${nonce} end \\d+\\n`, 'g'), '').trim();
  const why = result.timedOut
    ? `the session on ${target.label} timed out`
    : result.cancelled
      ? 'cancelled'
      : `the session on ${target.label} ended early (${file} exited ${result.exitCode ?? result.signal})${outside ? `: ${lastLines(outside, 3)}` : ''}`;
  const runs = readBatchOutput(result.stdout, result.stderr, commands.length, nonce, why);
  const complete = runs.every((r) => r.exitCode !== null);
  return { runs, ...(complete ? {} : { problem: why }), durationMs: result.durationMs };
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join(' / ');
}
