/**
 * `npm start` judges its run by suites/unit/EXPECTED.md and compliance/EXPECTED.md
 * (scripts/example-expectations.ts): the verdicts, never the exit codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComplianceResult } from '../../src/compliance/run-comply.js';
import { summarize, type CaseResult, type RunResult, type Verdict } from '../../src/result/model.js';
import { judgeCompliance, judgeUnit, parseComplianceExpectations, parseUnitExpectations } from '../../scripts/example-expectations.js';
import { REPO } from '../helpers/paths.js';

const unit = parseUnitExpectations(readFileSync(join(REPO, 'suites/unit/EXPECTED.md'), 'utf8'));

function run(cases: { suite: string; name: string; verdict: Verdict }[]): RunResult {
  const results = cases.map(
    (c, i) => ({ id: String(i), suiteFile: join(REPO, 'suites/unit', c.suite), name: c.name, verdict: c.verdict, target: { label: 'h' } }) as unknown as CaseResult,
  );
  return { cases: results, summary: summarize(results) } as RunResult;
}

/** A run exactly as EXPECTED.md describes it: its non-passing cases, and passing ones up to the totals. */
function expectedRun(): { suite: string; name: string; verdict: Verdict }[] {
  const passing = Array.from({ length: unit.totals.pass }, (_, i) => ({ suite: 'laptop.yaml', name: `passing case ${i}`, verdict: 'pass' as const }));
  return [...unit.notPassing.map((e) => ({ ...e, name: `${e.name} (full name)` })), ...passing];
}

describe('the expectations of npm start', () => {
  it('reads every case EXPECTED.md says does not pass, and the totals', () => {
    expect(unit.totals).toEqual({ total: 143, pass: 129, fail: 11, error: 2, skip: 1 });
    const fails = unit.notPassing.filter((e) => e.verdict === 'fail');
    expect(fails).toHaveLength(unit.totals.fail);
    for (const f of fails) expect(f.name).toMatch(/^finding: /);
    expect(unit.notPassing.filter((e) => e.verdict === 'error').map((e) => e.name)).toEqual(['the slow option eventually yields an integer', 'demo: a throwing option read without throws:']);
    expect(unit.notPassing.filter((e) => e.verdict === 'skip').map((e) => e.suite)).toEqual(['laptop.yaml']);
  });

  it('agrees with a run that has exactly those verdicts, and names every difference', () => {
    expect(judgeUnit(run(expectedRun()), unit)).toEqual([]);
    const flipped = expectedRun();
    flipped[0] = { ...flipped[0]!, verdict: 'pass' };
    flipped.push({ suite: 'bare.yaml', name: 'an unexpected failure', verdict: 'fail' });
    const problems = judgeUnit(run(flipped), unit);
    expect(problems).toContain(`${unit.notPassing[0]!.suite}: "${unit.notPassing[0]!.name} (full name)" [h] is pass, expected ${unit.notPassing[0]!.verdict}`);
    expect(problems.some((p) => p.includes('"an unexpected failure" [h] is fail, expected pass'))).toBe(true);
    expect(problems).toContain(`144 cases where the totals say 143`);
  });

  it('reads the compliance counts of a profile and compares them with a run', () => {
    const expected = parseComplianceExpectations(readFileSync(join(REPO, 'compliance/EXPECTED.md'), 'utf8'), 'cis-l1-server');
    const bare = expected.get('bare')!;
    const score = (c: typeof bare) => ({ overall: { weighted: c.weighted, counts: { pass: c.pass, fail: c.fail, error: c.error, 'not-applicable': c.notApplicable, manual: c.manual } } });
    const result = { hosts: [{ name: 'bare' }], scores: { bare: score(bare) } } as unknown as ComplianceResult;
    expect(judgeCompliance(result, expected)).toEqual([]);
    const worse = { hosts: [{ name: 'bare' }], scores: { bare: score({ ...bare, pass: bare.pass - 1, fail: bare.fail + 1 }) } } as unknown as ComplianceResult;
    expect(judgeCompliance(worse, expected)).toHaveLength(1);
  });
});
