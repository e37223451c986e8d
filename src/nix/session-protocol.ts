import { readFileSync } from 'node:fs';
import { packagePath } from '../util/package-root.js';
import { nixErrorText, stripAnsi } from './nix-cli.js';
import { parseReadReport, type ReadReport } from './reported-reads.js';

/**
 * What nixcheck types into a `nix repl` session and how it reads the answers back
 * (session.nix describes the markers). Pure: no process here, so every repl output
 * format can be tested from a recorded transcript.
 */

/** nixcheck's Nix program of a session, typed in by programLines; session.nix takes the others as arguments. */
export const PROGRAM_FILES = { session: 'session.nix', common: 'common.nix', engine: 'engine.nix' } as const;
/** Imported first in every session (see preludeLines). */
export const READ_PROBE_FILE = packagePath('src', 'nix', 'read-probe.nix');
/**
 * Imported as a file, when an item first needs evidence: its frames are rarely in a
 * trace (evidence is computed under tryEval), and typing it would cost every session.
 */
export const EVIDENCE_FILE = packagePath('src', 'nix', 'evidence.nix');
/** The files of the session's program (part of every cache key), the read probe first. */
export const PROGRAM_PATHS = [READ_PROBE_FILE, ...Object.values(PROGRAM_FILES).map((f) => packagePath('src', 'nix', f)), EVIDENCE_FILE];
/** The environment variables session.nix and the first repl lines read. */
export const SESSION_ENV = { probe: 'NIXCHECK_READ_PROBE', evidence: 'NIXCHECK_EVIDENCE', dir: 'NIXCHECK_SESSION_DIR' } as const;

/** A step of a unit: `t` forces the target, a number evaluates that item. */
export type StepId = 't' | number;

type ProgramText = Record<keyof typeof PROGRAM_FILES, string>;
let programText: ProgramText | undefined;

/**
 * The lines that start a session: the read probe, imported as a file so that Nix reports
 * evaluating it (the proof, for the cache, that this Nix reports the files it evaluates),
 * then common.nix and engine.nix, and `_nc`, session.nix applied to them and to
 * evidence.nix (see EVIDENCE_FILE), typed into the repl (session.nix says why), each as one input of compact lines (see
 * compactLines) wrapped in parentheses, so that no part of it before its last line is a
 * whole expression the repl would evaluate early. The nonce is hex, so every line is
 * fixed Nix text.
 */
export function preludeLines(nonce: string): string[] {
  const text = (programText ??= Object.fromEntries(Object.entries(PROGRAM_FILES).map(([name, file]) => [name, compactLines(readFileSync(packagePath('src', 'nix', file), 'utf8'))])) as ProgramText);
  return [
    `import (/. + builtins.getEnv "${SESSION_ENV.probe}")`,
    `_ncCommon = (\n${text.common}\n)`,
    `_ncEngine = (\n${text.engine}\n)`,
    `_nc = ((\n${text.session}\n) { common = _ncCommon; evidence = import (/. + builtins.getEnv "${SESSION_ENV.evidence}"); engine = _ncEngine; } "${hex(nonce)}")`,
  ];
}

/** How long compactLines makes a line, at most, unless one source line is longer. */
export const COMPACT_LINE_CHARS = 400;

/**
 * Nix source as fewer, longer lines: without its comment lines and blank lines, the rest
 * joined by a space up to COMPACT_LINE_CHARS. The repl parses a multi-line input again at
 * every line it adds (quadratic in its lines: nixcheck's files as they are take 0.3 s),
 * and under every frame of a trace it prints the frame's line and its neighbours (one
 * line of all would put the whole program there). Only for nixcheck's own files, whose
 * comments are whole lines and whose strings are one line each (a test compares the
 * tokens before and after).
 */
export function compactLines(source: string): string {
  const lines: string[] = [];
  for (const line of source.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 1 + line.length <= COMPACT_LINE_CHARS) lines[last] += ` ${line}`;
    else lines.push(line);
  }
  return lines.join('\n');
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

/** Evaluate these items of the unit, one line each, in the order given. */
export function itemLines(nonce: string, unit: number, items: readonly number[]): string[] {
  const lines = items.map((i) => `_nc.item ${int(unit)} _u ${int(i)}`);
  return items.length > 0 ? [...lines, endLine(nonce, unit, items.at(-1)!)] : [];
}

/** The repl commands that turn error traces on and off for what is typed after them. */
export interface TraceSwitch {
  on: string;
  off: string;
}

/**
 * How this Nix's repl switches traces: `:st` from Nix 2.6 (which added it) to 2.8,
 * `:te` from 2.9 (which gave `:st` to the debugger), as in Lix and Determinate Nix;
 * undefined when the version says neither (traces then need a process started with
 * `--show-trace`).
 */
export function traceSwitch(nixVersion: string): TraceSwitch | undefined {
  const m = /^(\d+)\.(\d+)/.exec(nixVersion);
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < 2 || (major === 2 && minor < 6)) return undefined;
  const command = major === 2 && minor < 9 ? ':st' : ':te';
  return { on: `${command} true`, off: `${command} false` };
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

/** `traced`: evaluated again with traces on, so `error` is the whole trace (see EvalSession.run). */
export type StepResult = { ok: true; value: unknown } | { ok: false; error: string; traced?: true };

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
