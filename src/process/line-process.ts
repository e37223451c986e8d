import { spawn, type ChildProcess } from 'node:child_process';
import { lineSplitter } from './line-splitter.js';
import { signalGroup, stoppingSignal, trackGroup } from './registry.js';

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
 * read line by line (stdout is drained and dropped). `kill` ends the whole group. The
 * group is registered while it runs, so a signal to nixcheck ends it too (signals.ts);
 * once nixcheck is stopping, nothing starts: the process is born exited.
 */
export class LineProcess {
  readonly exited: Promise<LineProcessExit>;
  private readonly child?: ChildProcess;
  private exit?: LineProcessExit;
  private killTimer?: NodeJS.Timeout;

  constructor(file: string, args: readonly string[], private readonly options: LineProcessOptions) {
    const stopping = stoppingSignal();
    if (stopping) {
      options.onStderrLine(`not started: nixcheck is stopping (${stopping})`);
      this.exit = { exitCode: null, signal: null };
      this.exited = Promise.resolve(this.exit);
      return;
    }
    const child = spawn(file, args, {
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    const untrack = child.pid !== undefined ? trackGroup(child.pid) : () => {};
    child.stdout!.resume();
    const stderrLines = lineSplitter(options.onStderrLine);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => stderrLines.push(chunk));
    // A dead reader makes writes fail with EPIPE; the exit says what happened.
    child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      const done = (exitCode: number | null, signal: string | null) => {
        if (this.exit) return;
        stderrLines.end();
        if (this.killTimer) clearTimeout(this.killTimer);
        // Nothing the leader started may outlive it.
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
        untrack();
        this.exit = { exitCode, signal };
        resolve(this.exit);
      };
      child.on('close', done);
      child.on('error', (err) => {
        options.onStderrLine(`error: could not start ${file}: ${err.message}`);
        done(null, null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  write(lines: readonly string[]): void {
    if (this.running) this.child!.stdin!.write(lines.map((l) => `${l}\n`).join(''));
  }

  /** Close stdin: a repl then exits by itself. */
  endInput(): void {
    this.child?.stdin!.end();
  }

  /** TERM the whole group, KILL it after the grace period; resolves when the leader is gone. */
  async kill(): Promise<LineProcessExit> {
    const pid = this.child?.pid;
    if (this.running && pid !== undefined) {
      signalGroup(pid, 'SIGTERM');
      this.killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), this.options.killGraceMs ?? 2000);
      this.killTimer.unref();
    }
    return this.exited;
  }
}
