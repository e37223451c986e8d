import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineProcess, type LineProcessExit } from '../process/line-process.js';
import { stoppingSignal } from '../process/registry.js';
import { makeTempDir, type TempDir } from '../process/temp.js';
import { checkTimerMs } from '../util/duration.js';
import { NIX_FEATURE_ARGS, nixBinary, nixErrorText } from './nix-cli.js';
import { addReadReport, emptyReads, mergeReads, READ_REPORTING_ARGS, type ReportedReads } from './reported-reads.js';
import type { AttemptResult } from './isolation.js';
import type { EngineRequest } from './request.js';
import { EVIDENCE_FILE, READ_PROBE_FILE, SESSION_ENV, TranscriptParser, flakeLine, itemLines, preludeLines, targetLines, type StepId, type StepResult, type TraceSwitch } from './session-protocol.js';

/** Why a session process ended in the middle of a unit. */
export type DeathCause = 'timeout' | 'cancelled' | 'exit';

/** What one unit produced in a session (see isolation.ts for the fields it decides on). */
export interface UnitAttempt extends AttemptResult {
  /**
   * With `reportReads`: everything this process reported reading from its start to the
   * end of this unit (a superset of what the unit read: Nix reports a file once per
   * process, for the first unit that reads it).
   */
  reads?: ReportedReads;
  /** When the process started (ms since the epoch): files changed since may have been read as they were before. */
  processStartedAt: number;
}

export interface SessionOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Have Nix report every file it evaluates and source it copies (for the cache). */
  reportReads?: boolean;
  /** `--show-trace`: a step's error is the whole trace, as `throws:` matches it (see src/match/throws-text.ts). */
  showTrace?: boolean;
  /** How this Nix's repl turns traces on and off (see run's `retrace`). */
  traceSwitch?: TraceSwitch;
}

/** Whether an item's error (its message alone, at `position` in the unit) must be evaluated again with its trace. */
export type Retrace = (position: number, result: StepResult & { ok: false }) => boolean;

function sessionArgs(options: SessionOptions): string[] {
  return [...NIX_FEATURE_ARGS, ...(options.reportReads ? READ_REPORTING_ARGS : []), ...(options.showTrace ? ['--show-trace'] : []), 'repl'];
}

/**
 * One long-lived Nix process (`nix repl`, see session.nix) that evaluates units (a
 * target and its items) one after another. A unit's time limit starts with the unit; at
 * the limit the process group is killed and the session is over, as it is when Nix dies.
 */
export class EvalSession {
  private readonly nonce = randomBytes(4).toString('hex');
  private readonly parser = new TranscriptParser(this.nonce);
  private readonly process: LineProcess;
  /** Everything the process reported reading so far (with `reportReads`). */
  private readonly reads?: ReportedReads;
  private readonly startedAt = Date.now();
  private readonly results = new Map<string, StepResult>();
  /** `end` markers seen, with the output outside any step before each. */
  private readonly ends = new Map<string, string>();
  private waiting?: { key: string; wake: () => void };
  private nextUnit = 0;
  /** Flakes bound in the repl so far, by reference. */
  private readonly flakes = new Map<string, number>();
  private killedFor?: DeathCause;

  private constructor(
    private readonly dir: TempDir,
    private readonly options: SessionOptions,
  ) {
    if (options.reportReads) this.reads = emptyReads();
    this.process = new LineProcess(nixBinary(), sessionArgs(options), {
      // XDG_DATA_HOME: the repl keeps its line history there; ours is not the user's.
      env: { [SESSION_ENV.probe]: READ_PROBE_FILE, [SESSION_ENV.evidence]: EVIDENCE_FILE, [SESSION_ENV.dir]: dir.path, XDG_DATA_HOME: dir.path },
      onStderrLine: (line) => {
        for (const event of this.parser.line(line)) {
          if (event.kind === 'read') {
            if (this.reads) addReadReport(this.reads, event.report);
          } else if (event.kind === 'step') this.results.set(stepKey(event.unit, event.step), event.result);
          else this.ends.set(stepKey(event.unit, event.step), event.output);
        }
        if (this.waiting && this.ends.has(this.waiting.key)) this.waiting.wake();
      },
    });
    this.process.write(preludeLines(this.nonce));
    void this.process.exited.then(() => this.waiting?.wake());
  }

  static async start(options: SessionOptions): Promise<EvalSession> {
    checkTimerMs(options.timeoutMs);
    return new EvalSession(await makeTempDir('nixcheck-session-'), options);
  }

  /** Units evaluated so far (a fresh session has run none). */
  get unitsRun(): number {
    return this.nextUnit;
  }

  get alive(): boolean {
    return this.process.running && this.killedFor === undefined;
  }

  /**
   * Evaluate a unit: its target, then its items. `retrace`: items whose error needs its
   * trace are evaluated again at once, with traces switched on for them alone, in this
   * process, where their target is still bound (with the trace, Nix 2.8 reads a file
   * again for every frame, so it is worth paying only where needed).
   */
  async run(request: EngineRequest, retrace?: Retrace): Promise<UnitAttempt> {
    const unit = this.nextUnit++;
    const fresh = unit === 0;
    const attempt: UnitAttempt = { items: request.items.map(() => undefined), fresh, traced: this.options.showTrace ?? false, processStartedAt: this.startedAt };
    writeFileSync(join(this.dir.path, `${unit}.json`), JSON.stringify(request));
    const timer = setTimeout(() => void this.killFor('timeout'), this.options.timeoutMs);
    const onAbort = () => void this.killFor('cancelled');
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (this.options.signal?.aborted) await this.killFor('cancelled');
      this.process.write([...this.bindFlakes(request.flakeRefs), ...targetLines(this.nonce, unit, request.flakeRefs.map((ref) => this.flakes.get(ref)!))]);
      [attempt.target] = await this.batch(unit, ['t']);
      if (attempt.target?.ok && request.items.length > 0) {
        const all = request.items.map((_, i) => i);
        this.process.write(itemLines(this.nonce, unit, all));
        attempt.items = await this.batch(unit, all);
        if (retrace) await this.retrace(unit, attempt, retrace);
      }
      const unanswered = !attempt.target || (attempt.target.ok && attempt.items.includes(undefined));
      if (unanswered) attempt.death = await this.death(attempt);
    } finally {
      clearTimeout(timer);
      this.options.signal?.removeEventListener('abort', onAbort);
    }
    if (this.reads) {
      attempt.reads = emptyReads();
      mergeReads(attempt.reads, this.reads);
    }
    return attempt;
  }

  /** An answer that does not come (the process died meanwhile) leaves the error without its trace. */
  private async retrace(unit: number, attempt: UnitAttempt, retrace: Retrace): Promise<void> {
    const traceSwitch = this.options.traceSwitch;
    if (!traceSwitch || this.options.showTrace) return;
    const again = attempt.items.flatMap((r, i) => (r && !r.ok && r.error.startsWith('error:') && retrace(i, r) ? [i] : []));
    if (again.length === 0) return;
    this.process.write([traceSwitch.on, ...itemLines(this.nonce, unit, again), traceSwitch.off]);
    const traced = await this.batch(unit, again);
    traced.forEach((r, k) => {
      if (r && !r.ok && r.error.startsWith('error:')) attempt.items[again[k]!] = { ...r, traced: true };
    });
  }

  /** Lines binding the flakes not bound yet; their references go in files, as data. */
  private bindFlakes(refs: readonly string[]): string[] {
    const lines: string[] = [];
    for (const ref of refs) {
      if (this.flakes.has(ref)) continue;
      const n = this.flakes.size;
      this.flakes.set(ref, n);
      writeFileSync(join(this.dir.path, `flake-${n}.json`), JSON.stringify(ref));
      lines.push(flakeLine(n));
    }
    return lines;
  }

  /** Resident memory of the Nix process, where the system says (Linux /proc). */
  rssBytes(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.process.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return kb ? Number(kb[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.process.endInput();
    const quit = setTimeout(() => void this.process.kill(), 2000);
    await this.process.exited;
    clearTimeout(quit);
    await this.process.kill();
    await this.dir.remove();
  }

  /**
   * The results of a batch of steps whose lines were sent, once its `end` marker came:
   * a step that printed no answer failed with whatever Nix printed outside the steps (an
   * error before it could begin). Undefined for every step when the process died first.
   */
  private async batch(unit: number, steps: StepId[]): Promise<(StepResult | undefined)[]> {
    const key = stepKey(unit, steps.at(-1)!);
    while (!this.ends.has(key) && this.alive) {
      await new Promise<void>((wake) => (this.waiting = { key, wake }));
      this.waiting = undefined;
    }
    const output = this.ends.get(key);
    this.ends.delete(key);
    return steps.map((step) => {
      const k = stepKey(unit, step);
      const result = this.results.get(k);
      this.results.delete(k);
      if (result || output === undefined) return result;
      return { ok: false, error: /^error:/m.test(output) ? nixErrorText(output) : 'Nix printed no answer for this step' };
    });
  }

  private async killFor(cause: DeathCause): Promise<void> {
    if (!this.process.running || this.killedFor) return;
    this.killedFor = cause;
    this.waiting?.wake();
    await this.process.kill();
  }

  private async death(attempt: UnitAttempt): Promise<NonNullable<UnitAttempt['death']>> {
    const exit = await this.process.exited;
    // The step that had begun; else the first that never answered (it was next).
    const step: StepId = attempt.target === undefined ? 't' : attempt.items.findIndex((r) => r === undefined);
    // Ended by a signal to nixcheck (signals.ts), or not started since one came.
    const cause = this.killedFor ?? (stoppingSignal() ? 'cancelled' : 'exit');
    return { step, cause, text: this.deathText(cause, exit) };
  }

  private deathText(cause: DeathCause, exit: LineProcessExit): string {
    if (cause === 'timeout') return `evaluation timed out after ${(this.options.timeoutMs / 1000).toFixed(1)} s (the process group was killed)`;
    if (cause === 'cancelled') return 'evaluation was cancelled';
    const said = this.parser.inFlight()?.output ?? this.parser.outsideOutput();
    if (/^error:/m.test(said)) return nixErrorText(said);
    if (exit.signal) return `nix was killed by ${exit.signal} (out of memory?) during evaluation`;
    return `nix exited (code ${exit.exitCode}) during evaluation without an error message${said.trim() ? `:\n${said.trim()}` : ''}`;
  }
}

function stepKey(unit: number, step: StepId): string {
  return `${unit}:${step}`;
}
