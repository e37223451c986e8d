/**
 * Per-file mutation scores from Stryker's JSON report (mutation-testing-report-schema), and
 * the check that every file reaches the minimum: Stryker's own `thresholds.break` is one
 * score for all files together, so a well-tested file could hide a poorly tested one.
 *
 *   tsx scripts/mutation-scores.ts [--min 85] [--report reports/mutation/mutation.json] [file ...]
 *
 * With files, only those are checked (each must be in the report); exit 1 when one is
 * below the minimum, 2 when the report cannot be read.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { compareText } from '../src/util/compare-text.js';

export const DEFAULT_REPORT = 'reports/mutation/mutation.json';
export const DEFAULT_MIN_SCORE = 85;

/** What this script reads of a report: each file's mutants and their status. */
export interface MutationReport {
  files: Record<string, { mutants: { status: string }[] }>;
}

export interface FileScore {
  file: string;
  /** Killed or timed out: a test noticed the change. */
  detected: number;
  /** Survived, or no test ran the code at all. */
  undetected: number;
  /** Compile and runtime errors, ignored and pending mutants: not part of the score, as in Stryker's. */
  excluded: number;
  /** detected / (detected + undetected) in percent; null when no mutant counts. */
  score: number | null;
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

export function parseReport(text: string, source: string): MutationReport {
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON: ${(err as Error).message}`);
  }
  const files = (report as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null) throw new Error(`${source} has no "files": not a mutation-testing report`);
  for (const [file, entry] of Object.entries(files)) {
    if (!Array.isArray((entry as { mutants?: unknown } | null)?.mutants)) throw new Error(`${source}: "${file}" has no list of mutants`);
  }
  return report as MutationReport;
}

export function fileScores(report: MutationReport): FileScore[] {
  return Object.entries(report.files)
    .map(([file, { mutants }]) => {
      const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
      const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
      const counted = detected + undetected;
      return { file, detected, undetected, excluded: mutants.length - counted, score: counted === 0 ? null : (detected / counted) * 100 };
    })
    .sort((a, b) => compareText(a.file, b.file));
}

/** Files below `min` (a file without counted mutants has nothing to detect and passes). */
export function belowMinimum(scores: readonly FileScore[], min: number): FileScore[] {
  return scores.filter((s) => s.score !== null && s.score < min);
}

export function formatScores(scores: readonly FileScore[], min: number): string {
  const rows = scores.map((s) => [s.file, s.score === null ? 'n/a' : s.score.toFixed(2), String(s.detected), String(s.undetected), s.score !== null && s.score < min ? `BELOW ${min}` : 'ok']);
  const header = ['file', 'score', 'detected', 'undetected', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** The scores of `files` (all files of the report when empty); an error names files the report lacks. */
export function selectScores(scores: readonly FileScore[], files: readonly string[]): FileScore[] {
  if (files.length === 0) return [...scores];
  const missing = files.filter((f) => !scores.some((s) => s.file === f));
  if (missing.length > 0) throw new Error(`not in the mutation report (not mutated?): ${missing.join(', ')}`);
  return scores.filter((s) => files.includes(s.file));
}

export interface CheckArgs {
  report: string;
  min: number;
  files: string[];
}

export function parseArgs(argv: readonly string[]): CheckArgs {
  const args: CheckArgs = { report: DEFAULT_REPORT, min: DEFAULT_MIN_SCORE, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--min' || arg === '--report') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      if (arg === '--report') args.report = value;
      else if (/^\d+(\.\d+)?$/.test(value) && Number(value) <= 100) args.min = Number(value);
      else throw new Error(`--min expects a percentage from 0 to 100, got ${JSON.stringify(value)}`);
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else args.files.push(arg);
  }
  return args;
}

/** Print the scores of the checked files; the exit code: 0 all reach the minimum, 1 some do not. */
export function checkScores(report: MutationReport, args: Pick<CheckArgs, 'min' | 'files'>, print: (line: string) => void): number {
  const scores = selectScores(fileScores(report), args.files);
  print(formatScores(scores, args.min));
  const low = belowMinimum(scores, args.min);
  if (low.length === 0) {
    print(`mutation scores: every file reaches ${args.min}%`);
    return 0;
  }
  print(`mutation scores: ${low.length} file(s) below ${args.min}%: ${low.map((s) => s.file).join(', ')}`);
  return 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const args = parseArgs(process.argv.slice(2));
    process.exitCode = checkScores(parseReport(readFileSync(args.report, 'utf8'), args.report), args, (line) => console.log(line));
  } catch (err) {
    console.error(`mutation scores: ${(err as Error).message}`);
    process.exitCode = 2;
  }
}
