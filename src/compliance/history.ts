/**
 * `comply --history DIR`: earlier compliance.json files (CI artifacts, say) and this run
 * give a score trend per host and framework. Every `compliance*.json` under DIR is read;
 * one that cannot be read or is not a nixcheck compliance report is an input error naming
 * the file (exit 2), never silently skipped: a trend with a hole in it would mislead.
 * Runs of another profile are left out (their scores are not comparable) and counted.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { displayPath } from '../util/yaml-source.js';
import type { HostScores } from './score.js';
import { FRAMEWORKS } from './types.js';

/** `all` is the overall score; the others are frameworks. */
export const TREND_SERIES = ['all', ...FRAMEWORKS] as const;
export type TrendSeries = (typeof TREND_SERIES)[number];

export interface TrendRun {
  generatedAt: string;
  /** The file the run was read from; null for this run. */
  source: string | null;
  /** Weighted score per host and series; null when nothing was scorable. */
  scores: Record<string, Partial<Record<TrendSeries, number | null>>>;
}

export interface ComplianceHistory {
  /** Oldest first; the last one is this run. */
  runs: TrendRun[];
  /** Files of runs that scored another profile. */
  otherProfile: string[];
}

/** The fields a trend reads from a compliance.json, which any nixcheck version writes. */
interface EarlierReport {
  tool: { name: string };
  generatedAt: string;
  profile: { id: string } | null;
  scores: Record<string, Pick<HostScores, 'overall' | 'frameworks'>>;
}

export function trendScores(scores: Record<string, Pick<HostScores, 'overall' | 'frameworks'>>): TrendRun['scores'] {
  return Object.fromEntries(
    Object.entries(scores).map(([host, s]) => [host, Object.fromEntries(TREND_SERIES.map((series) => [series, (series === 'all' ? s.overall : s.frameworks[series])?.weighted ?? null]))]),
  );
}

/** Read the earlier runs under `dir` that scored `profile` (null: every control). */
export async function loadHistory(dir: string, profile: string | null): Promise<{ runs: TrendRun[]; otherProfile: string[] }> {
  let files: string[];
  try {
    files = await reportFiles(dir);
  } catch (err) {
    throw new InputError(`cannot read the history directory ${displayPath(dir)}: ${(err as Error).message}`);
  }
  const runs: TrendRun[] = [];
  const otherProfile: string[] = [];
  for (const file of files) {
    const report = await readEarlierReport(file);
    if ((report.profile?.id ?? null) !== profile) {
      otherProfile.push(displayPath(file));
      continue;
    }
    runs.push({ generatedAt: report.generatedAt, source: displayPath(file), scores: trendScores(report.scores) });
  }
  runs.sort((a, b) => Date.parse(a.generatedAt) - Date.parse(b.generatedAt) || (a.source ?? '').localeCompare(b.source ?? ''));
  return { runs, otherProfile };
}

async function reportFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /^compliance.*\.json$/.test(e.name))
    .map((e) => join(e.parentPath ?? (e as { path?: string }).path ?? dir, e.name))
    .sort();
}

async function readEarlierReport(file: string): Promise<EarlierReport> {
  const shown = displayPath(file);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError(`history file ${shown} cannot be read as JSON: ${(err as Error).message}`);
  }
  const problem = shapeProblem(data);
  if (problem) throw new InputError(`history file ${shown} is not a nixcheck compliance.json: ${problem}`);
  return data as EarlierReport;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScore = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

function shapeProblem(data: unknown): string | undefined {
  if (!isObject(data) || !isObject(data.tool) || data.tool.name !== 'nixcheck') return 'no tool.name "nixcheck"';
  if (typeof data.generatedAt !== 'string' || Number.isNaN(Date.parse(data.generatedAt))) return 'generatedAt is not a date and time';
  if (data.profile !== null && !(isObject(data.profile) && typeof data.profile.id === 'string')) return 'profile is neither null nor { id }';
  if (!isObject(data.scores)) return 'no scores';
  for (const [host, s] of Object.entries(data.scores)) {
    if (!isObject(s) || !isObject(s.overall) || !isScore(s.overall.weighted)) return `scores.${host}.overall.weighted is not a number or null`;
    if (!isObject(s.frameworks)) return `scores.${host}.frameworks is missing`;
    for (const [f, fs] of Object.entries(s.frameworks)) if (!isObject(fs) || !isScore(fs.weighted)) return `scores.${host}.frameworks.${f}.weighted is not a number or null`;
  }
  return undefined;
}
