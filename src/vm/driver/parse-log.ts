/**
 * Parse the NixOS test driver's log (what it writes to stderr) into what happened: our
 * step markers, the driver's own subtest lines, failures, timeouts and machine lines.
 * Works on logs of tests nixcheck generated (markers) and of any other VM test
 * (subtests only). Input may carry ANSI colour codes; they are stripped.
 */
import { stripAnsi } from '../../nix/nix-cli.js';

export { stripAnsi };

export interface StepMarks {
  index: number;
  beginLine?: number;
  endLine?: number;
  beginT?: number;
  endT?: number;
  status?: 'ok' | 'failed';
  error?: string;
  outputs: { stdout: string; truncated: boolean; exitCode: number }[];
}

export interface SubtestRecord {
  name: string;
  startLine: number;
  endLine?: number;
  durationS?: number;
  /** The driver's `Test "NAME" failed with error: "..."` message. */
  error?: string;
}

export interface ChaosEvent {
  event: string;
  line: number;
  data: Record<string, unknown>;
}

export interface RuntimeRecord {
  controlId: string;
  index: number;
  exitCode: number | null;
  stdout: string;
  truncated?: boolean;
  error?: string;
}

export interface ParsedDriverLog {
  /** ANSI-stripped lines. */
  lines: string[];
  steps: Map<number, StepMarks>;
  subtests: SubtestRecord[];
  /** `!!! ` lines (prefix removed): the failure message and the traceback. */
  errorLines: string[];
  /** First `Test "NAME" failed with error: "..."`. */
  failure?: { test: string; message: string };
  globalTimeoutS?: number;
  /** The driver's global timeout fired (`timeout reached; test terminating...`). */
  timeoutReached: boolean;
  scriptFinishedS?: number;
  qemuPids: number[];
  chaos: ChaosEvent[];
  runtime: RuntimeRecord[];
}

const SUBTEST = /^subtest: (.*)$/;
const FINISHED_SUBTEST = /^\(finished: subtest: (.*), in ([\d.]+) seconds\)$/;
const TEST_FAILED = /^Test "(.*?)" failed with error: "(.*)$/;
const GLOBAL_TIMEOUT = /Test will time out and terminate in (\d+) seconds/;
const QEMU_PID = /QEMU running \(pid (\d+)\)/;
const SCRIPT_FINISHED = /test script finished in ([\d.]+)s/;
const MARKER = /nixcheck-(step-begin|step-end|step-output|chaos|runtime) (.*)$/;
const SERIAL = /^([A-Za-z0-9_-]+) # (.*)$/;
const MACHINE_MSG = /^([A-Za-z0-9_-]+): (.*)$/;

function json(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function parseDriverLog(text: string | readonly string[]): ParsedDriverLog {
  const raw = typeof text === 'string' ? text.split(/\r?\n/) : text;
  const lines = raw.map((l) => stripAnsi(l).replace(/\r/g, ''));
  const out: ParsedDriverLog = {
    lines,
    steps: new Map(),
    subtests: [],
    errorLines: [],
    timeoutReached: false,
    qemuPids: [],
    chaos: [],
    runtime: [],
  };
  const step = (index: number): StepMarks => {
    let s = out.steps.get(index);
    if (!s) out.steps.set(index, (s = { index, outputs: [] }));
    return s;
  };
  const open: SubtestRecord[] = [];

  lines.forEach((line, n) => {
    const marker = MARKER.exec(line);
    if (marker) {
      const [, kind, rest] = marker as unknown as [string, string, string];
      if (kind === 'runtime') {
        const d = json(rest);
        if (d && typeof d['controlId'] === 'string') {
          out.runtime.push({
            controlId: d['controlId'],
            index: num(d['index']) ?? 0,
            exitCode: num(d['exitCode']) ?? null,
            stdout: typeof d['stdout'] === 'string' ? d['stdout'] : '',
            ...(d['truncated'] === true ? { truncated: true } : {}),
            ...(typeof d['error'] === 'string' ? { error: d['error'] } : {}),
          });
        }
        return;
      }
      const m = /^(\S+) (?:(ok|failed) )?(\{.*\})$/.exec(rest);
      if (!m) return;
      const [, id, status, body] = m as unknown as [string, string, string | undefined, string];
      const d = json(body);
      if (!d) return;
      if (kind === 'chaos') {
        out.chaos.push({ event: id, line: n, data: d });
        return;
      }
      const index = Number(id);
      if (!Number.isInteger(index)) return;
      const s = step(index);
      if (kind === 'step-begin') {
        s.beginLine = n;
        s.beginT = num(d['t']);
      } else if (kind === 'step-end') {
        s.endLine = n;
        s.endT = num(d['t']);
        s.status = status === 'failed' ? 'failed' : 'ok';
        if (typeof d['error'] === 'string') s.error = d['error'];
      } else {
        s.outputs.push({
          stdout: typeof d['stdout'] === 'string' ? d['stdout'] : '',
          truncated: d['truncated'] === true,
          exitCode: num(d['exitCode']) ?? 0,
        });
      }
      return;
    }

    let errorText: string | undefined;
    if (line.startsWith('!!! ')) {
      errorText = line.slice(4);
      out.errorLines.push(errorText);
    }
    const failed = TEST_FAILED.exec(errorText ?? line);
    if (failed) {
      const [, name, msg] = failed as unknown as [string, string, string];
      const message = msg.endsWith('"') ? msg.slice(0, -1) : msg;
      out.failure ??= { test: name, message };
      const sub = [...out.subtests].reverse().find((s) => s.name === name && s.error === undefined);
      if (sub) sub.error = message;
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = SUBTEST.exec(line))) {
      const rec: SubtestRecord = { name: m[1]!, startLine: n };
      out.subtests.push(rec);
      open.push(rec);
    } else if ((m = FINISHED_SUBTEST.exec(line))) {
      const name = m[1]!;
      const idx = open.map((s) => s.name).lastIndexOf(name);
      const rec = idx >= 0 ? open.splice(idx, 1)[0]! : [...out.subtests].reverse().find((s) => s.name === name);
      if (rec) {
        rec.endLine = n;
        rec.durationS = Number(m[2]);
      }
    } else if ((m = GLOBAL_TIMEOUT.exec(line))) {
      out.globalTimeoutS = Number(m[1]);
    } else if (line.includes('timeout reached; test terminating')) {
      out.timeoutReached = true;
    } else if ((m = SCRIPT_FINISHED.exec(line))) {
      out.scriptFinishedS = Number(m[1]);
    }
    if ((m = QEMU_PID.exec(line))) out.qemuPids.push(Number(m[1]));
  });
  return out;
}

/** Lines a machine wrote (`node # serial` and `node: message`) between two log lines. */
export function machineLines(log: ParsedDriverLog, options: { from?: number; to?: number; machine?: string; last?: number } = {}): string[] {
  const from = options.from ?? 0;
  const to = options.to ?? log.lines.length - 1;
  const picked: string[] = [];
  for (let i = from; i <= to && i < log.lines.length; i++) {
    const line = log.lines[i]!;
    const m = SERIAL.exec(line) ?? (line.includes('nixcheck-') ? null : MACHINE_MSG.exec(line));
    if (!m) continue;
    if (options.machine !== undefined && m[1] !== options.machine) continue;
    if (m[1] === 'subtest' || m[1] === 'Traceback') continue;
    picked.push(line);
  }
  return options.last !== undefined ? picked.slice(-options.last) : picked;
}

