/**
 * GitHub Actions: workflow-command annotations at the suite file:line of each failing or
 * erroring case, and a Markdown step summary ($GITHUB_STEP_SUMMARY). The same for
 * compliance results, annotated where the failing value was defined.
 *
 * GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (50 per
 * job); the rest are dropped silently. So the most severe come first, at most 10 per
 * level are printed, and one notice says how many more there are.
 */
import { appendFile, stat } from 'node:fs/promises';
import { describeDefinitions } from '../evidence/evidence.js';
import type { CaseResult, RunResult } from '../result/model.js';
import type { ComplianceResult } from '../compliance/run-comply.js';
import type { ControlResult } from '../compliance/evaluate-controls.js';
import { decidingCheck, describeCheck, findingLocation, liveDetails } from '../compliance/report/finding-location.js';
import { renderComplianceMarkdown } from '../compliance/report/compliance-markdown.js';
import { isFinding, mostSevereFirst, type Severity } from '../compliance/types.js';
import { cutText, formatValue } from '../util/format-value.js';
import { displayPath } from '../util/yaml-source.js';
import { formatAnnotation, writeWorkflowCommands, type Annotation, type AnnotationLevel } from './github-commands.js';
import { mdCell, mdCode } from './markdown.js';
import type { Reporter } from './reporter.js';

export { escapeData, escapeProperty, formatAnnotation, type Annotation, type AnnotationLevel } from './github-commands.js';

/** Annotations GitHub keeps per step and level. */
export const GITHUB_ANNOTATIONS_PER_STEP = 10;

/** GitHub refuses a step summary over 1 MiB; nixcheck keeps what it appends below this. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024;

export interface GithubOptions {
  /** Where annotations go; default: stdout, around the workflow-command guard. */
  stdout?: { write(text: string): unknown };
  /** Reads GITHUB_STEP_SUMMARY; default process.env. */
  env?: Record<string, string | undefined>;
}

const writeCommands = (options: GithubOptions, lines: string[]) => {
  if (lines.length === 0) return;
  if (options.stdout) options.stdout.write(`${lines.join('\n')}\n`);
  else writeWorkflowCommands(lines.join('\n'));
};

/**
 * The annotations to print, already in order: at most `limit` per level, and one notice
 * with the count of those left out (that notice counts against the notice limit).
 */
export function limitAnnotations(annotations: readonly Annotation[], limit = GITHUB_ANNOTATIONS_PER_STEP, what = 'findings'): string[] {
  const used: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  const noticeRoom = limit - 1;
  const lines: string[] = [];
  let rest = 0;
  for (const a of annotations) {
    const room = a.level === 'notice' ? noticeRoom : limit;
    if (used[a.level] >= room) {
      rest++;
      continue;
    }
    used[a.level]++;
    lines.push(formatAnnotation(a));
  }
  if (rest > 0) {
    lines.push(formatAnnotation({ level: 'notice', message: `nixcheck: ${rest} more ${what} not annotated (GitHub shows ${limit} per step and level); see the job summary and the reports` }));
  }
  return lines;
}

// ---------------------------------------------------------------------------
// nixcheck test

/** Errors (evaluation failed) before failures (wrong value), each in suite order (sort is stable). */
export function caseAnnotations(cases: readonly CaseResult[]): Annotation[] {
  const rank = (c: CaseResult) => (c.verdict === 'error' ? 0 : 1);
  return cases
    .filter((c) => c.verdict === 'fail' || c.verdict === 'error')
    .sort((a, b) => rank(a) - rank(b))
    .map((c) => ({
      level: 'error' as const,
      file: c.location.file,
      line: c.location.line,
      col: c.location.column,
      title: `nixcheck: ${c.name} [${c.target.label}]`,
      message: caseMessage(c),
    }));
}

function caseMessage(c: CaseResult): string {
  const lines = [`${c.path}${c.target.with ? ` with ${formatValue(c.target.with)}` : ''}`, `expected: ${cutText(c.expected)}`];
  if (c.error !== undefined) lines.push(`error: ${firstLines(c.error, 6)}`);
  else lines.push(`actual: ${c.exists === false ? '(path does not exist)' : formatValue(c.actual)}`);
  if (c.message && c.verdict === 'fail') lines.push(`why: ${cutText(c.message)}`);
  if (c.evidence) lines.push(`defined: ${describeDefinitions(c.evidence)}`);
  return lines.join('\n');
}

function firstLines(text: string, n: number): string {
  const lines = text.split('\n');
  return lines.length <= n ? text : `${lines.slice(0, n).join('\n')}\n…`;
}

/** The job summary of a test run. */
export function renderTestSummary(result: RunResult, maxCases = 50): string {
  const s = result.summary;
  const lines = [
    `## nixcheck test: ${s.fail + s.error === 0 ? 'passed' : 'failed'}`,
    '',
    '| passed | failed | errors | skipped | total | targets | duration |',
    '|---|---|---|---|---|---|---|',
    `| ${s.pass} | ${s.fail} | ${s.error} | ${s.skip} | ${s.total} | ${result.evaluations.length} (${result.evaluations.filter((e) => e.cached).length} from cache) | ${(result.durationMs / 1000).toFixed(2)} s |`,
    '',
  ];
  const bad = result.cases.filter((c) => c.verdict === 'error').concat(result.cases.filter((c) => c.verdict === 'fail'));
  if (bad.length) {
    lines.push(`### Failing cases (${bad.length})`, '', '| case | target | path | expected | actual | defined at | suite |', '|---|---|---|---|---|---|---|');
    for (const c of bad.slice(0, maxCases)) {
      const actual = c.error !== undefined ? `error: ${cutText(c.error.split('\n')[0]!, 120)}` : c.exists === false ? '(path does not exist)' : formatValue(c.actual, 120);
      lines.push(
        `| ${mdCell(c.name)} | ${mdCell(c.target.label)} | ${mdCode(c.path, 'cell')} | ${mdCell(cutText(c.expected))} | ${mdCell(actual)} | ${c.evidence ? mdCell(describeDefinitions(c.evidence)) : ''} | ${mdCell(`${c.location.file}:${c.location.line}`)} |`,
      );
    }
    if (bad.length > maxCases) lines.push('', `…and ${bad.length - maxCases} more \\(see junit.xml / results.json\\).`);
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Append to $GITHUB_STEP_SUMMARY, kept under GitHub's 1 MiB per step (what earlier steps of
 * this step wrote counts too): a longer summary is cut at a line and ends with a note that
 * names the full report. Both summaries (tests, compliance) end with a newline.
 */
async function appendSummary(env: Record<string, string | undefined>, markdown: string, fullReport: string): Promise<string | undefined> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  const used = await stat(file).then((s) => s.size, () => 0);
  await appendFile(file, capSummary(markdown, STEP_SUMMARY_LIMIT - used, fullReport));
  return file;
}

export function capSummary(markdown: string, budget: number, fullReport: string): string {
  if (Buffer.byteLength(markdown) <= budget) return markdown;
  const note = `\n> nixcheck: this summary was cut to stay under GitHub's 1 MiB step summary limit; the full report is ${mdCode(fullReport)}.\n`;
  const room = Math.max(0, budget - Buffer.byteLength(note));
  const head = Buffer.from(markdown).subarray(0, room).toString('utf8');
  const cut = head.lastIndexOf('\n') + 1;
  return `${head.slice(0, cut)}${note}`;
}

/** `--reporter github`: annotations on stdout, the summary into $GITHUB_STEP_SUMMARY. */
export function githubReporter(options: GithubOptions = {}): Reporter {
  return {
    name: 'github',
    async finish(result: RunResult, outDir: string) {
      const env = options.env ?? process.env;
      writeCommands(options, limitAnnotations(caseAnnotations(result.cases), GITHUB_ANNOTATIONS_PER_STEP, 'failing cases'));
      const summary = await appendSummary(env, renderTestSummary(result), displayPath(`${outDir}/results.json`));
      return summary ? [summary] : [];
    },
  };
}

// ---------------------------------------------------------------------------
// nixcheck comply

const SEVERITY_LEVEL: Record<Severity, AnnotationLevel> = { critical: 'error', high: 'error', medium: 'warning', low: 'notice' };

/**
 * Failing, erroring and drifting controls, most severe first (then errors before failures, then
 * host), located at the line that defined the failing value (or the host's entry file).
 */
export function complianceAnnotations(r: ComplianceResult): Annotation[] {
  const failing = r.results.filter((x) => isFinding(x.status));
  const statusRank = (x: ControlResult) => (x.status === 'error' ? 0 : 1);
  return [...failing]
    .sort((a, b) => mostSevereFirst(a, b) || statusRank(a) - statusRank(b) || a.host.localeCompare(b.host) || a.controlId.localeCompare(b.controlId))
    .map((x) => {
      const where = findingLocation(x, r);
      const check = decidingCheck(x);
      const detail = check ? [describeCheck(check), ...liveDetails(x)].join('\n') : (x.message ?? '');
      return {
        level: x.status === 'error' ? 'error' : SEVERITY_LEVEL[x.severity],
        ...(where ? { file: where.file, ...(where.line ? { line: where.line } : {}) } : {}),
        title: `nixcheck ${x.controlId} (${x.severity}) on ${x.host}`,
        message: `${x.title}${x.status === 'error' ? ': could not be evaluated' : ''}\n${detail}${x.status === 'error' && check?.error ? `\n${firstLines(check.error, 6)}` : ''}`,
      };
    });
}

/**
 * Annotate a compliance result on GitHub and append compliance.md's content to the step
 * summary. Returns the lines printed.
 */
export async function githubComplianceAnnotations(result: ComplianceResult, outDir: string, options: GithubOptions = {}): Promise<string[]> {
  const env = options.env ?? process.env;
  const lines = limitAnnotations(complianceAnnotations(result), GITHUB_ANNOTATIONS_PER_STEP, 'failing controls');
  writeCommands(options, lines);
  await appendSummary(env, renderComplianceMarkdown(result), displayPath(`${outDir}/compliance.json`));
  return lines;
}
