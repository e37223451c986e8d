import { packagePath } from '../util/package-root.js';
import { nixErrorText, stripAnsi } from './nix-cli.js';

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

/** Bind the unit's engine (read from `<dir>/<unit>.json`) and force its target. */
export function targetLines(nonce: string, unit: number): string[] {
  return [`_u = _nc.load ${int(unit)}`, `_nc.ready ${int(unit)} _u`, endLine(nonce, unit, 't')];
}

export function itemLines(nonce: string, unit: number, item: number): string[] {
  return [`_nc.item ${int(unit)} _u ${int(item)}`, endLine(nonce, unit, int(item))];
}

/** Typed directly, not through session.nix: it is printed even if nothing else works. */
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
  /** `evaluating file '...'` (printed at -v): a file this process has read. */
  | { kind: 'file'; path: string };

const FILE_LINE = /^evaluating file '(.*)'$/;

/**
 * Turns the session's stderr, line by line, into step results. What Nix prints between
 * one `end` marker and the next is the output of the step that ends there: its answer
 * (a `value` marker) or its error (the `error:` text, warnings and the program's own
 * traces before it dropped). Banners, `Failed tcsetattr` notices of some versions and
 * debug output come to nothing. Prompts and values go to stdout, which is not read.
 */
export class TranscriptParser {
  private readonly marker: RegExp;
  private lines: string[] = [];
  private value?: { unit: number; step: StepId; json: string };

  constructor(nonce: string) {
    this.marker = new RegExp(`trace: nixcheck:${hex(nonce)}:(value|end):(\\d+):(t|\\d+)(?::(.*))?$`);
  }

  line(raw: string): SessionEvent[] {
    const line = stripAnsi(raw).replace(/\r/g, '');
    const m = this.marker.exec(line);
    if (!m) {
      this.lines.push(line);
      const file = FILE_LINE.exec(line.trim());
      return file ? [{ kind: 'file', path: file[1]! }] : [];
    }
    const [, kind, unitText, stepText, json] = m;
    const unit = Number(unitText);
    const step: StepId = stepText === 't' ? 't' : Number(stepText);
    if (kind === 'value') {
      this.value = { unit, step, json: json ?? '' };
      return [];
    }
    const value = this.value?.unit === unit && this.value.step === step ? this.value.json : undefined;
    const output = this.lines.join('\n');
    this.lines = [];
    this.value = undefined;
    return [{ kind: 'step', unit, step, result: value !== undefined ? parseAnswer(value) : { ok: false, error: nixErrorText(output) } }];
  }

  /** What Nix printed since the last step ended (after the process died: the dying step's output). */
  pendingOutput(): string {
    return this.lines.join('\n');
  }
}

function parseAnswer(json: string): StepResult {
  try {
    return { ok: true, value: JSON.parse(json) };
  } catch {
    return { ok: false, error: `nixcheck could not read the answer Nix printed: ${json.slice(0, 200)}` };
  }
}
