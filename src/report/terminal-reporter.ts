import { describeDefinitions } from '../evidence/evidence.js';
import type { CaseResult, RunResult } from '../result/model.js';
import type { RunEvent } from '../run/events.js';
import { cutText, formatValue } from '../util/format-value.js';
import type { Reporter } from './reporter.js';

export interface TerminalOptions {
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  color?: boolean;
}

/** Progress while evaluating (on a TTY), then every failure in full, then a summary. */
export function terminalReporter(options: TerminalOptions = {}): Reporter {
  const out = options.out ?? process.stdout;
  const progress = options.progress ?? process.stderr;
  const color = options.color ?? (Boolean(out.isTTY) && !process.env.NO_COLOR);
  const paint = (code: number) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const red = paint(31);
  const green = paint(32);
  const yellow = paint(33);
  const dim = paint(2);
  const bold = paint(1);
  const showProgress = Boolean(progress.isTTY);
  let targetsDone = 0;
  let targetsTotal = 0;
  /** Targets started and not ended yet, in the order they started: the newest is shown while it runs. */
  const running: { target: string; items: number }[] = [];
  const showRunning = () => {
    const newest = running[running.length - 1];
    if (newest) progress.write(`\r\u001b[K${dim(`evaluating ${newest.target} (${newest.items} values)…`)}`);
  };

  return {
    name: 'terminal',
    onEvent(event: RunEvent) {
      if (!showProgress) return;
      if (event.type === 'run-start') targetsTotal = event.targets;
      if (event.type === 'target-start') {
        running.push({ target: event.target, items: event.items });
        showRunning();
      }
      if (event.type === 'target-end') {
        const at = running.findIndex((r) => r.target === event.target);
        if (at >= 0) running.splice(at, 1);
        targetsDone++;
        progress.write(
          `\r\u001b[K${dim(`[${targetsDone}/${targetsTotal}] ${event.target}: ${event.cached ? 'cached' : `${(event.durationMs / 1000).toFixed(2)} s, ${event.processes} nix process(es)`}`)}\n`,
        );
        // A target that ended is not the one being evaluated: the others still are.
        showRunning();
      }
    },
    async finish(result: RunResult) {
      const problems = result.cases.filter((c) => c.verdict === 'fail' || c.verdict === 'error');
      for (const c of problems) out.write(formatProblem(c, { red, yellow, dim, bold }) + '\n');
      out.write(`\n${formatSummaryLine(result, { red, green, yellow, dim, bold })}\n`);
      return [];
    },
  };
}

type Paint = (text: string) => string;
const plain: Paint = (text) => text;

/** The one-line summary every `nixcheck test` prints (unless --quiet). */
export function formatSummaryLine(
  result: RunResult,
  p: { red: Paint; green: Paint; yellow: Paint; dim: Paint; bold: Paint } = { red: plain, green: plain, yellow: plain, dim: plain, bold: plain },
): string {
  const s = result.summary;
  const parts = [
    s.pass ? p.green(`${s.pass} passed`) : `${s.pass} passed`,
    s.fail ? p.red(`${s.fail} failed`) : `${s.fail} failed`,
    s.error ? p.yellow(`${s.error} errors`) : `${s.error} errors`,
    `${s.skip} skipped`,
  ];
  const cached = result.evaluations.filter((e) => e.cached).length;
  const targets = result.evaluations.length;
  return `${p.bold('nixcheck')} ${parts.join(', ')} ${p.dim(`(${s.total} checks, ${targets} target${targets === 1 ? '' : 's'}${cached ? `, ${cached} from cache` : ''}, ${(result.durationMs / 1000).toFixed(2)} s)`)}`;
}

export function formatProblem(c: CaseResult, p: { red: Paint; yellow: Paint; dim: Paint; bold: Paint }): string {
  const head = c.verdict === 'fail' ? p.red('FAIL') : p.yellow('ERROR');
  const lines = [
    `${head} ${p.bold(c.name)} ${p.dim(`[${c.target.label}]`)}`,
    `  at ${c.location.file}:${c.location.line}:${c.location.column} (${c.suite})`,
    `  ${c.root === 'config' ? 'path' : 'attr'}:     ${c.path}${c.target.with ? p.dim(` with ${formatValue(c.target.with)}`) : ''}`,
    `  expected: ${cutText(c.expected)}`,
  ];
  if (c.error !== undefined) {
    lines.push(`  error:    ${c.error.split('\n').join('\n            ')}`);
  } else {
    lines.push(`  actual:   ${c.exists === false ? '(path does not exist)' : formatValue(c.actual)}${c.actualType ? ` (${c.actualType})` : ''}`);
  }
  if (c.message && c.verdict === 'fail') lines.push(`  why:      ${cutText(c.message)}`);
  if (c.evidence) lines.push(`  defined:  ${describeDefinitions(c.evidence)}`);
  return lines.join('\n') + '\n';
}
