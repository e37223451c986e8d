import { packagePath } from '../util/package-root.js';
import { nixErrorText, stripAnsi } from './nix-cli.js';
import { parseReadReport, type ReadReport } from './reported-reads.js';

/**
 * What nixcheck types into a `nix repl` session and how it reads the answers back
 * (session.nix describes the markers). Pure: no process here, so every repl output
 * format can be tested from a recorded transcript.
 */

export const SESSION_FILE = packagePath('src', 'nix', 'session.nix');
/** The environment variables session.nix and the first repl line read. */
export const SESSION_ENV = { file: 'NIXCHECK_SESSION_FILE', dir: 'NIXCHECK_SESSION_DIR' } as const;

/** A step of a unit: `t` forces the target, a number evaluates that item. */
export type StepId = 't' | number;

/** The repl line that loads session.nix; the nonce is hex, so every line is fixed Nix text. */
export function preludeLine(nonce: string): string {
  return `_nc = import (/. + builtins.getEnv "${SESSION_ENV.file}") "${hex(nonce)}"`;
}

/** Bind flake `n` (its reference read from `<dir>/flake-<n>.json`); fetched when first used. */
export function flakeLine(n: number): string {
  return `_f${int(n)} = _nc.flake ${int(n)}`;
}

/**
 * Bind the unit's engine (read from `<dir>/<unit>.json`), given the flakes bound before
 * for its `flakeRefs`, in order, and force its target.
 */
export function targetLines(nonce: string, unit: number, flakes: readonly number[] = []): string[] {
  return [`_u = _nc.load ${int(unit)} [ ${flakes.map((n) => `_f${int(n)} `).join('')}]`, `_nc.ready ${int(unit)} _u`, endLine(nonce, unit, 't')];
}

/** Evaluate items `0..count-1` of the unit, one line each. */
export function itemLines(nonce: string, unit: number, count: number): string[] {
  const lines = Array.from({ length: count }, (_, i) => `_nc.item ${int(unit)} _u ${i}`);
  return count > 0 ? [...lines, endLine(nonce, unit, count - 1)] : [];
}

/**
 * Typed directly, not through session.nix, so it is printed even if nothing else works:
 * everything before it has been printed.
 */
function endLine(nonce: string, unit: number, step: StepId): string {
  return `builtins.trace "nixcheck:${hex(nonce)}:end:${int(unit)}:${step}" null`;
}

function hex(nonce: string): string {
  if (!/^[0-9a-f]+$/.test(nonce)) throw new Error(`session nonce must be hex: ${nonce}`);
  return nonce;
}

function int(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a step number: ${n}`);
  return n;
}

export type StepResult = { ok: true; value: unknown } | { ok: false; error: string };

export type SessionEvent =
  | { kind: 'step'; unit: number; step: StepId; result: StepResult }
  /** Everything up to this step has been printed; `output`: what came outside any step. */
  | { kind: 'end'; unit: number; step: StepId; output: string }
  /** A file this process has evaluated or a source it copied (see reported-reads.ts): never part of a step's output. */
  | { kind: 'read'; report: ReadReport };

/**
 * Turns the session's stderr, line by line, into step results. A step's output runs
 * from its `begin` marker to the next marker that begins another step or ends the batch:
 * its answer (a `value` marker) or its error (the `error:` text; warnings and the
 * program's own traces before it dropped). Output outside any step (banners, the
 * `Failed tcsetattr` notices of some versions, an error before a step could begin) is
 * handed over with the `end` marker. Prompts and values go to stdout, which is not read.
 */
export class TranscriptParser {
  private readonly marker: RegExp;
  private open?: { unit: number; step: StepId; lines: string[]; json?: string };
  private outside: string[] = [];

  constructor(nonce: string) {
    this.marker = new RegExp(`trace: nixcheck:${hex(nonce)}:(begin|value|end):(\\d+):(t|\\d+)(?::(.*))?$`);
  }

  line(raw: string): SessionEvent[] {
    const line = stripAnsi(raw).replace(/\r/g, '');
    const m = this.marker.exec(line);
    if (!m) {
      const report = parseReadReport(line.trim());
      if (report) return [{ kind: 'read', report }];
      (this.open?.lines ?? this.outside).push(line);
      return [];
    }
    const [, kind, unitText, stepText, json] = m;
    const unit = Number(unitText);
    const step: StepId = stepText === 't' ? 't' : Number(stepText);
    if (kind === 'value') {
      if (this.open?.unit === unit && this.open.step === step) this.open.json = json ?? '';
      return [];
    }
    const events = this.close();
    if (kind === 'begin') this.open = { unit, step, lines: [] };
    else {
      events.push({ kind: 'end', unit, step, output: this.outside.join('\n') });
      this.outside = [];
    }
    return events;
  }

  /** The step that began and has not ended, with its output so far (after the process died). */
  inFlight(): { unit: number; step: StepId; output: string } | undefined {
    return this.open && { unit: this.open.unit, step: this.open.step, output: this.open.lines.join('\n') };
  }

  /** Output outside any step since the last `end` marker. */
  outsideOutput(): string {
    return this.outside.join('\n');
  }

  private close(): SessionEvent[] {
    const open = this.open;
    if (!open) return [];
    this.open = undefined;
    const result = open.json !== undefined ? parseAnswer(open.json) : { ok: false as const, error: nixErrorText(open.lines.join('\n')) };
    return [{ kind: 'step', unit: open.unit, step: open.step, result }];
  }
}

function parseAnswer(json: string): StepResult {
  try {
    return { ok: true, value: JSON.parse(json) };
  } catch {
    return { ok: false, error: `nixcheck could not read the answer Nix printed: ${json.slice(0, 200)}` };
  }
}
