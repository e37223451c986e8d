import { spawn, type ChildProcess } from 'node:child_process';
import { signalGroup } from './run-group.js';

export interface LineProcessOptions {
  env?: Record<string, string | undefined>;
  /** Called with each complete stderr line, in order. */
  onStderrLine: (line: string) => void;
  /** Grace period between SIGTERM and SIGKILL when the group is killed (ms). */
  killGraceMs?: number;
}

export interface LineProcessExit {
  exitCode: number | null;
  signal: string | null;
}

/**
 * A long-lived command in its own process group, fed lines on stdin, whose stderr is
 * read line by line (stdout is drained and dropped). `kill` ends the whole group.
 */
export class LineProcess {
  readonly exited: Promise<LineProcessExit>;
  private readonly child: ChildProcess;
  private exit?: LineProcessExit;
  private killTimer?: NodeJS.Timeout;

  constructor(file: string, args: readonly string[], private readonly options: LineProcessOptions) {
    this.child = spawn(file, args, {
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.resume();
    let pending = '';
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        options.onStderrLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    // A dead reader makes writes fail with EPIPE; the exit says what happened.
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      const done = (exitCode: number | null, signal: string | null) => {
        if (this.exit) return;
        if (pending) options.onStderrLine(pending);
        pending = '';
        if (this.killTimer) clearTimeout(this.killTimer);
        this.exit = { exitCode, signal };
        resolve(this.exit);
      };
      this.child.on('close', done);
      this.child.on('error', (err) => {
        options.onStderrLine(`error: could not start ${file}: ${err.message}`);
        done(null, null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  write(lines: readonly string[]): void {
    if (this.running) this.child.stdin!.write(lines.map((l) => `${l}\n`).join(''));
  }

  /** Close stdin: a repl then exits by itself. */
  endInput(): void {
    this.child.stdin!.end();
  }

  /** TERM the whole group, KILL it after the grace period; resolves when the leader is gone. */
  async kill(): Promise<LineProcessExit> {
    if (this.running) {
      signalGroup(this.child.pid, 'SIGTERM');
      this.killTimer = setTimeout(() => signalGroup(this.child.pid, 'SIGKILL'), this.options.killGraceMs ?? 2000);
      this.killTimer.unref();
    }
    const exit = await this.exited;
    // Nothing the leader started may outlive it.
    signalGroup(this.child.pid, 'SIGKILL');
    return exit;
  }
}
