/**
 * What `npm start` expects, read from suites/unit/EXPECTED.md and compliance/EXPECTED.md,
 * and the judgement of a run against it: the verdicts, never the exit codes (which gates
 * and findings decide).
 *
 * suites/unit/EXPECTED.md: per suite (`## <file>.yaml`) a table `| case | verdict | why |`;
 * every case that does not pass is named there (a case name, or its beginning), with its
 * verdict first in the cell (`**fail**`, `**error (timeout)** ...`, `skip`); and the line
 * `Totals ...: N cases — N pass, N fail ..., N error ..., N skip`.
 * compliance/EXPECTED.md: the table "Counts per host and profile", cells
 * `pass / fail / error / not-applicable / manual (weighted score)`.
 */
import type { ComplianceResult } from '../src/compliance/run-comply.js';
import type { RunResult, Verdict } from '../src/result/model.js';

export interface UnitExpectations {
  totals: Record<Verdict, number> & { total: number };
  /** Cases that do not pass: suite file name, the case name (or its beginning), the verdict. */
  notPassing: { suite: string; name: string; verdict: Exclude<Verdict, 'pass'> }[];
}

const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'error', 'skip'];

export function parseUnitExpectations(markdown: string): UnitExpectations {
  // The paragraph that starts with "Totals", its lines joined.
  const paragraph = markdown.split(/\n\s*\n/).find((p) => p.startsWith('Totals'))?.replace(/\s+/g, ' ');
  const total = paragraph && /: (\d+) cases —/.exec(paragraph);
  if (!paragraph || !total) throw new Error('suites/unit/EXPECTED.md has no "Totals ...: N cases — ..." paragraph');
  const count = (verdict: Verdict) => Number(new RegExp(`(\\d+) ${verdict}\\b`).exec(paragraph)?.[1] ?? 0);
  const totals = { total: Number(total[1]), pass: count('pass'), fail: count('fail'), error: count('error'), skip: count('skip') };
  const notPassing: UnitExpectations['notPassing'] = [];
  let suite = '';
  for (const line of markdown.split('\n')) {
    const heading = /^## (\S+\.yaml)\b/.exec(line);
    if (heading) suite = heading[1]!;
    const row = /^\| (.+?) \| (.+?) \|/.exec(line);
    if (!row || !suite) continue;
    const verdict = /^\**(pass|fail|error|skip)\b/.exec(row[2]!)?.[1] as Verdict | undefined;
    if (verdict && verdict !== 'pass') notPassing.push({ suite, name: row[1]!, verdict });
  }
  return { totals, notPassing };
}

/** Where the run differs from the expectations (empty: it agrees). */
export function judgeUnit(result: RunResult, expected: UnitExpectations): string[] {
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const e of expected.notPassing) {
    const cases = result.cases.filter((c) => c.suiteFile.endsWith(`/${e.suite}`) && c.name.startsWith(e.name));
    if (cases.length === 0) problems.push(`${e.suite}: no case "${e.name}"`);
    for (const c of cases) {
      listed.add(c.id);
      if (c.verdict !== e.verdict) problems.push(`${e.suite}: "${c.name}" [${c.target.label}] is ${c.verdict}, expected ${e.verdict}`);
    }
  }
  for (const c of result.cases) {
    if (c.verdict !== 'pass' && !listed.has(c.id)) problems.push(`${c.suiteFile}: "${c.name}" [${c.target.label}] is ${c.verdict}, expected pass`);
  }
  for (const v of ['total', ...VERDICTS] as const) {
    const actual = v === 'total' ? result.summary.total : result.summary[v];
    if (actual !== expected.totals[v]) problems.push(`${actual} ${v === 'total' ? 'cases' : v} where the totals say ${expected.totals[v]}`);
  }
  return problems;
}

export interface ProfileCounts {
  pass: number;
  fail: number;
  error: number;
  notApplicable: number;
  manual: number;
  weighted: number;
}

/** host -> counts of `profile`, from the table "Counts per host and profile". */
export function parseComplianceExpectations(markdown: string, profile: string): Map<string, ProfileCounts> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Counts per host and profile'));
  if (!section) throw new Error('compliance/EXPECTED.md has no "Counts per host and profile" section');
  const rows = section.split('\n').filter((l) => l.startsWith('|')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const column = rows[0]!.indexOf(profile);
  if (column < 0) throw new Error(`compliance/EXPECTED.md has no column ${profile}`);
  const out = new Map<string, ProfileCounts>();
  for (const row of rows.slice(2)) {
    const m = /^(\d+) \/ (\d+) \/ (\d+) \/ (\d+) \/ (\d+) \(([\d.]+)\)$/.exec(row[column] ?? '');
    if (!m) throw new Error(`compliance/EXPECTED.md: cannot read "${row[column]}" for ${row[0]}`);
    const [pass, fail, error, notApplicable, manual, weighted] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    out.set(row[0]!, { pass, fail, error, notApplicable, manual, weighted });
  }
  return out;
}

export function judgeCompliance(result: ComplianceResult, expected: Map<string, ProfileCounts>): string[] {
  const problems: string[] = [];
  for (const host of result.hosts.map((h) => h.name)) {
    const want = expected.get(host);
    const s = result.scores[host]?.overall;
    if (!want || !s) {
      problems.push(`${host}: ${want ? 'no scores' : 'not in the table'}`);
      continue;
    }
    const got = { pass: s.counts.pass, fail: s.counts.fail, error: s.counts.error, notApplicable: s.counts['not-applicable'], manual: s.counts.manual, weighted: Math.round((s.weighted ?? NaN) * 100) / 100 };
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${host}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  return problems;
}
