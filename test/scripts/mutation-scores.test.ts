import { describe, expect, it } from 'vitest';
import { belowMinimum, checkScores, fileScores, formatScores, parseArgs, parseReport, selectScores, type MutationReport } from '../../scripts/mutation-scores.js';

const mutants = (counts: Record<string, number>) => Object.entries(counts).flatMap(([status, n]) => Array.from({ length: n }, () => ({ status })));
const REPORT: MutationReport = {
  files: {
    'src/b.ts': { mutants: mutants({ Killed: 80, Timeout: 4, Survived: 10, NoCoverage: 6, CompileError: 3, RuntimeError: 1, Ignored: 2, Pending: 1 }) },
    'src/a.ts': { mutants: mutants({ Killed: 17, Survived: 3 }) },
    'src/types.ts': { mutants: mutants({ Ignored: 1 }) },
    'src/empty.ts': { mutants: [] },
  },
};

describe('fileScores', () => {
  it("scores each file as Stryker does: killed and timed out over those plus survived and uncovered", () => {
    expect(fileScores(REPORT)).toEqual([
      { file: 'src/a.ts', detected: 17, undetected: 3, excluded: 0, score: 85 },
      { file: 'src/b.ts', detected: 84, undetected: 16, excluded: 7, score: 84 },
      { file: 'src/empty.ts', detected: 0, undetected: 0, excluded: 0, score: null },
      { file: 'src/types.ts', detected: 0, undetected: 0, excluded: 1, score: null },
    ]);
  });

  it('finds the files below the minimum; exactly the minimum passes, no counted mutant passes', () => {
    expect(belowMinimum(fileScores(REPORT), 85).map((s) => s.file)).toEqual(['src/b.ts']);
    expect(belowMinimum(fileScores(REPORT), 84).map((s) => s.file)).toEqual([]);
    expect(belowMinimum(fileScores(REPORT), 85.01).map((s) => s.file)).toEqual(['src/a.ts', 'src/b.ts']);
  });
});

describe('selectScores', () => {
  it('only the files asked for, all when none are; a file the report lacks is an error', () => {
    const scores = fileScores(REPORT);
    expect(selectScores(scores, ['src/b.ts']).map((s) => s.file)).toEqual(['src/b.ts']);
    expect(selectScores(scores, [])).toHaveLength(4);
    expect(() => selectScores(scores, ['src/a.ts', 'src/c.ts', 'src/d.ts'])).toThrow('not in the mutation report (not mutated?): src/c.ts, src/d.ts');
  });
});

describe('checkScores', () => {
  it('prints a table and passes when every checked file reaches the minimum', () => {
    const lines: string[] = [];
    expect(checkScores(REPORT, { min: 85, files: ['src/a.ts', 'src/types.ts'] }, (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toBe(
      ['file          score  detected  undetected', 'src/a.ts      85.00  17        3           ok', 'src/types.ts  n/a    0         0           ok', 'mutation scores: every file reaches 85%'].join('\n'),
    );
  });

  it('fails naming every file below the minimum', () => {
    const lines: string[] = [];
    expect(checkScores(REPORT, { min: 90, files: [] }, (l) => lines.push(l))).toBe(1);
    expect(lines[lines.length - 1]).toBe('mutation scores: 2 file(s) below 90%: src/a.ts, src/b.ts');
    expect(lines[0]).toContain('BELOW 90');
  });

  it('formats scores with two decimals', () => {
    expect(formatScores([{ file: 'x', detected: 2, undetected: 1, excluded: 0, score: 200 / 3 }], 50)).toBe('file  score  detected  undetected\nx     66.67  2         1           ok');
  });
});

describe('parseReport', () => {
  it('reads a report and refuses what is not one, naming the file', () => {
    expect(parseReport(JSON.stringify(REPORT), 'r.json')).toEqual(REPORT);
    expect(() => parseReport('{', 'r.json')).toThrow(/^r\.json is not JSON: /);
    expect(() => parseReport('null', 'r.json')).toThrow('r.json has no "files": not a mutation-testing report');
    expect(() => parseReport('{"files": 1}', 'r.json')).toThrow('r.json has no "files": not a mutation-testing report');
    expect(() => parseReport('{"files": {"a.ts": {}}}', 'r.json')).toThrow('r.json: "a.ts" has no list of mutants');
    expect(() => parseReport('{"files": {"a.ts": null}}', 'r.json')).toThrow('r.json: "a.ts" has no list of mutants');
  });
});

describe('parseArgs', () => {
  it('minimum, report and files, with defaults', () => {
    expect(parseArgs([])).toEqual({ report: 'reports/mutation/mutation.json', min: 85, files: [] });
    expect(parseArgs(['--min', '90.5', 'src/a.ts', '--report', 'x.json', 'src/b.ts'])).toEqual({ report: 'x.json', min: 90.5, files: ['src/a.ts', 'src/b.ts'] });
    expect(parseArgs(['--min', '0']).min).toBe(0);
    expect(parseArgs(['--min', '100']).min).toBe(100);
  });

  it('refuses what it does not understand', () => {
    expect(() => parseArgs(['--min'])).toThrow('--min needs a value');
    expect(() => parseArgs(['--report'])).toThrow('--report needs a value');
    for (const bad of ['101', '-1', 'x85', '85%', '']) expect(() => parseArgs(['--min', bad]), bad).toThrow(`--min expects a percentage from 0 to 100, got ${JSON.stringify(bad)}`);
    expect(() => parseArgs(['--max', '1'])).toThrow('unknown option --max');
  });
});
