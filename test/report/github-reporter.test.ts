/**
 * The GitHub reporter in process: the annotations of failing cases and controls, GitHub's
 * per-level limits, the job summary and its size cap.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult, ControlResult } from '../../src/compliance/evaluate-controls.js';
import type { ComplianceResult } from '../../src/compliance/run-comply.js';
import {
  capSummary,
  caseAnnotations,
  complianceAnnotations,
  githubComplianceAnnotations,
  githubReporter,
  limitAnnotations,
  renderTestSummary,
  STEP_SUMMARY_LIMIT,
  formatAnnotation,
  type Annotation,
} from '../../src/report/github-reporter.js';
import type { RunResult } from '../../src/result/model.js';
import { tempDir } from '../helpers/paths.js';
import { FakeStdout, makeCase, runResult, userEvidence } from '../helpers/results.js';

async function finish(result: RunResult, env: Record<string, string | undefined> = {}) {
  const stdout = new FakeStdout();
  await githubReporter({ stdout, env }).finish!(result, tempDir());
  return stdout;
}

const evidence = userEvidence('a.b1', 7, 50);

describe('annotations of failing cases', () => {
  it('escapes case names and multi-line Nix errors in a real annotation', async () => {
    const c = makeCase(1, 'error', { name: 'ports: 22, 80 (100%)', error: 'error: line one\r\nline two' });
    const out = await finish(runResult([c]));
    const [line] = out.lines();
    expect(line).toMatch(/^::error file=suites\/unit\/demo\.yaml,line=11,col=5,title=nixcheck%3A ports%3A 22%2C 80 \(100%25\) \[laptop\]::/);
    const message = line!.split('::')[2]!;
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).toContain('error: error: line one%0D%0Aline two');
  });

  it('a failure: the path with its with override, expected, actual, why and where it was defined', () => {
    const c = makeCase(1, 'fail', { target: { label: 'laptop', with: { a: 1 } }, message: 'expected true', evidence });
    expect(caseAnnotations([c])).toEqual([
      {
        level: 'error',
        file: 'suites/unit/demo.yaml',
        line: 11,
        col: 5,
        title: 'nixcheck: case 1 [laptop]',
        message: 'a.b1 with {"a":1}\nexpected: equals true\nactual: false\nwhy: expected true\ndefined: hosts/laptop.nix:7 (mkForce)',
      },
    ]);
  });

  it('a missing path; an error shows its first six lines and no why', () => {
    const seven = ['error: 1', '2', '3', '4', '5', '6', '7'].join('\n');
    const [six, cut, missing] = caseAnnotations([
      makeCase(1, 'fail', { exists: false, actual: undefined }),
      makeCase(2, 'error', { error: seven.split('\n').slice(0, 6).join('\n'), message: 'evaluation failed' }),
      makeCase(3, 'error', { error: seven }),
    ]).map((a) => a.message);
    expect([missing, six, cut]).toEqual([
      'a.b1\nexpected: equals true\nactual: (path does not exist)',
      'a.b2\nexpected: equals true\nerror: error: 1\n2\n3\n4\n5\n6',
      'a.b3\nexpected: equals true\nerror: error: 1\n2\n3\n4\n5\n6\n…',
    ]);
  });

  it('errors before failures, each in suite order; passes and skips not annotated', () => {
    const cases = [makeCase(1, 'fail'), makeCase(2, 'pass'), makeCase(3, 'error'), makeCase(4, 'fail'), makeCase(5, 'skip'), makeCase(6, 'error')];
    expect(caseAnnotations(cases).map((a) => a.line)).toEqual([13, 16, 11, 14]);
  });

  it('many interleaved errors and failures keep their suite order within each kind', () => {
    const cases = Array.from({ length: 300 }, (_, i) => makeCase(i, i % 3 === 0 ? 'error' : 'fail'));
    const lines = caseAnnotations(cases).map((a) => a.line! - 10);
    const errors = cases.map((_, i) => i).filter((i) => i % 3 === 0);
    const failures = cases.map((_, i) => i).filter((i) => i % 3 !== 0);
    expect(lines).toEqual([...errors, ...failures]);
  });

  describe('without a stdout of its own', () => {
    const write = process.stdout.write;
    afterEach(() => {
      process.stdout.write = write;
    });

    it('prints to this process\'s stdout, one annotation a line', async () => {
      const printed: string[] = [];
      process.stdout.write = ((text: string) => printed.push(text) > 0) as typeof process.stdout.write;
      await githubReporter({ env: {} }).finish!(runResult([makeCase(1, 'fail'), makeCase(2, 'fail')]), 'reports');
      process.stdout.write = write;
      expect(printed).toEqual([`${caseAnnotations([makeCase(1, 'fail'), makeCase(2, 'fail')]).map((a) => formatAnnotation(a)).join('\n')}\n`]);
    });
  });
});

describe('limitAnnotations', () => {
  const many = (level: Annotation['level'], n: number) => Array.from({ length: n }, (_, i): Annotation => ({ level, message: `${level} ${i}` }));

  it('keeps at most the limit per level, notices one fewer to leave room for the count', () => {
    const lines = limitAnnotations([...many('error', 3), ...many('warning', 4), ...many('notice', 3)], 3, 'things');
    expect(lines).toEqual([
      '::error::error 0',
      '::error::error 1',
      '::error::error 2',
      '::warning::warning 0',
      '::warning::warning 1',
      '::warning::warning 2',
      '::notice::notice 0',
      '::notice::notice 1',
      '::notice::nixcheck: 2 more things not annotated (GitHub shows 3 per step and level); see the job summary and the reports',
    ]);
  });

  it('adds no count when all fit, and names findings by default, with GitHub limit of 10', () => {
    expect(limitAnnotations([...many('error', 10), ...many('notice', 9)])).toHaveLength(19);
    const lines = limitAnnotations(many('error', 11));
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe('::notice::nixcheck: 1 more findings not annotated (GitHub shows 10 per step and level); see the job summary and the reports');
  });
});

describe('githubReporter', () => {
  it('annotates errors before failures, at most 10, then one notice with the count of the rest', async () => {
    const cases = [
      makeCase(0, 'pass'),
      ...Array.from({ length: 9 }, (_, i) => makeCase(i + 1, 'fail')),
      makeCase(20, 'skip'),
      ...Array.from({ length: 4 }, (_, i) => makeCase(i + 30, 'error')),
    ];
    const lines = (await finish(runResult(cases))).lines();
    const errors = lines.filter((l) => l.startsWith('::error '));
    expect(errors).toHaveLength(10);
    // the 4 evaluation errors first (suite order), then the first 6 failures
    expect(errors.map((l) => /line=(\d+)/.exec(l)![1])).toEqual(['40', '41', '42', '43', '11', '12', '13', '14', '15', '16']);
    expect(lines).toHaveLength(11);
    expect(lines[10]).toMatch(/^::notice::nixcheck: 3 more failing cases not annotated/);
  });

  it('prints no count line when everything fits, and nothing at all when all pass', async () => {
    const some = (await finish(runResult([makeCase(1, 'fail'), makeCase(2, 'pass')]))).lines();
    expect(some).toHaveLength(1);
    expect(some[0]).toMatch(/^::error file=suites\/unit\/demo\.yaml,line=11,col=5,title=nixcheck%3A case 1 \[laptop\]::a\.b1%0Aexpected: equals true%0Aactual: false/);
    expect((await finish(runResult([makeCase(1, 'pass')]))).text).toBe('');
  });

  it('appends a Markdown summary to $GITHUB_STEP_SUMMARY', async () => {
    const file = join(tempDir(), 'summary.md');
    writeFileSync(file, '# earlier step\n');
    const failing = makeCase(1, 'fail', {
      evidence,
    });
    await finish(runResult([makeCase(0, 'pass'), failing, makeCase(2, 'error', { expected: 'a | b' })]), { GITHUB_STEP_SUMMARY: file });
    const md = readFileSync(file, 'utf8');
    expect(md.startsWith('# earlier step\n## nixcheck test: failed')).toBe(true);
    expect(md).toContain('| 1 | 1 | 1 | 0 | 3 | 1 (0 from cache) | 1.23 s |');
    expect(md).toContain('### Failing cases (2)');
    // errors first; pipes escaped; where defined and where the case is written
    const rows = md.split('\n').filter((l) => /^\| case \d/.test(l));
    expect(rows[0]).toContain('a \\| b');
    expect(rows[0]).toContain('error: error: boom 2');
    expect(rows[1]).toContain('| equals true | false | hosts/laptop.nix:7 (mkForce) | suites/unit/demo.yaml:11 |');
  });

  it('writes no summary without $GITHUB_STEP_SUMMARY', async () => {
    const stdout = new FakeStdout();
    expect(await githubReporter({ stdout, env: {} }).finish!(runResult([makeCase(1, 'fail')]), tempDir())).toEqual([]);
  });
});

describe('renderTestSummary', () => {
  it('a passing run: the counts only', () => {
    const result = runResult([makeCase(1, 'pass'), makeCase(2, 'skip')]);
    result.evaluations.push({ target: 'desktop', durationMs: 1, cached: true, processes: 0 });
    expect(renderTestSummary(result)).toBe(
      ['## nixcheck test: passed', '', '| passed | failed | errors | skipped | total | targets | duration |', '|---|---|---|---|---|---|---|', '| 1 | 0 | 0 | 1 | 2 | 2 (1 from cache) | 1.23 s |', ''].join('\n'),
    );
  });

  it('failing cases, errors first, up to the most it shows, then how many more', () => {
    const cases = [makeCase(1, 'fail', { exists: false, actual: undefined }), makeCase(2, 'error', { error: `error: ${'e'.repeat(130)}\nsecond` }), makeCase(3, 'fail', { actual: 'v'.repeat(130) })];
    const lines = renderTestSummary(runResult(cases), 2).split('\n');
    expect(lines[0]).toBe('## nixcheck test: failed');
    expect(lines.slice(6)).toEqual([
      '### Failing cases (3)',
      '',
      '| case | target | path | expected | actual | defined at | suite |',
      '|---|---|---|---|---|---|---|',
      `| case 2 | laptop | \`a.b2\` | equals true | error: error: ${'e'.repeat(113)}… |  | suites/unit/demo.yaml:12 |`,
      '| case 1 | laptop | `a.b1` | equals true | (path does not exist) |  | suites/unit/demo.yaml:11 |',
      '',
      '…and 1 more \\(see junit.xml / results.json\\).',
      '',
    ]);
    expect(renderTestSummary(runResult(cases.slice(2)), 1).endsWith(`| case 3 | laptop | \`a.b3\` | equals true | "${'v'.repeat(119)}… |  | suites/unit/demo.yaml:13 |\n`)).toBe(true);
  });

  it('a path with a pipe stays in its cell', () => {
    expect(renderTestSummary(runResult([makeCase(1, 'fail', { path: 'a."x|y"' })]))).toContain('| case 1 | laptop | `a."x\\|y"` | equals true |');
  });

  it('shows 50 failing cases by default', () => {
    const cases = Array.from({ length: 51 }, (_, i) => makeCase(i, 'fail'));
    const md = renderTestSummary(runResult(cases));
    expect(md.split('\n').filter((l) => /^\| case \d/.test(l))).toHaveLength(50);
    expect(md).toContain('…and 1 more');
    expect(renderTestSummary(runResult(cases.slice(1)))).not.toContain('more');
  });
});

describe('capSummary', () => {
  const note = "\n> nixcheck: this summary was cut to stay under GitHub's 1 MiB step summary limit; the full report is `out/r.json`.\n";
  const noteBytes = Buffer.byteLength(note);

  it('leaves a summary that fits untouched, to the byte', () => {
    expect(capSummary('short\n', 100, 'r.json')).toBe('short\n');
    expect(capSummary('ä\n', 3, 'r.json')).toBe('ä\n');
  });

  it('cuts a longer one at the last whole line that leaves room for the note', () => {
    const md = `one\ntwo\n${'x'.repeat(200)}\n`;
    expect(capSummary(md, noteBytes + 8, 'out/r.json')).toBe(`one\ntwo\n${note}`);
    expect(capSummary(md, noteBytes + 7, 'out/r.json')).toBe(`one\n${note}`);
    expect(capSummary(`ää\n${'x'.repeat(200)}\n`, noteBytes + 3, 'out/r.json')).toBe(note);
    expect(capSummary(`ää\n${'x'.repeat(200)}\n`, noteBytes + 5, 'out/r.json')).toBe(`ää\n${note}`);
  });

  it('with less room than the note, the note alone', () => {
    expect(capSummary(`one\ntwo\n${'x'.repeat(200)}\n`, 5, 'out/r.json')).toBe(note);
  });

  it('leaves room below GitHub 1 MiB', () => {
    expect(STEP_SUMMARY_LIMIT).toBe(1024 * 1024 - 16 * 1024);
  });
});

describe('the step summary file', () => {
  it('is created when missing, returned, and ends with a newline', async () => {
    const file = join(tempDir(), 'summary.md');
    const reporter = githubReporter({ stdout: new FakeStdout(), env: { GITHUB_STEP_SUMMARY: file } });
    expect(reporter.name).toBe('github');
    expect(await reporter.finish!(runResult([makeCase(1, 'pass')]), 'reports')).toEqual([file]);
    expect(readFileSync(file, 'utf8')).toBe(renderTestSummary(runResult([makeCase(1, 'pass')])));
  });

  it('counts what is already in it against the limit', async () => {
    const file = join(tempDir(), 'summary.md');
    writeFileSync(file, 'x'.repeat(STEP_SUMMARY_LIMIT - 10));
    await githubReporter({ stdout: new FakeStdout(), env: { GITHUB_STEP_SUMMARY: file } }).finish!(runResult([makeCase(1, 'fail')]), 'reports');
    expect(readFileSync(file, 'utf8').slice(STEP_SUMMARY_LIMIT - 10)).toBe("\n> nixcheck: this summary was cut to stay under GitHub's 1 MiB step summary limit; the full report is `reports/results.json`.\n");
  });
});

/** A check on `path` that failed with the value `true`, set at hosts/<host>.nix:7. */
function check(path: string, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    path,
    location: { file: 'controls/c.yaml', line: 3, column: 1 },
    status: 'fail',
    exists: true,
    value: true,
    valueSource: 'user',
    evidence: { ...evidence, option: path },
    ...extra,
  };
}

function control(controlId: string, host: string, status: ControlResult['status'], severity: ControlResult['severity'], extra: Partial<ControlResult> = {}): ControlResult {
  return { controlId, host, status, severity, impact: 0.5, refs: {}, title: `title of ${controlId}`, applicability: [], checks: [check('a.b')], decidedBy: { list: 'checks', index: 0 }, ...extra };
}

/** What complianceAnnotations and the summary read of a compliance result. */
function compliance(results: ControlResult[]): ComplianceResult {
  return {
    hosts: [{ name: 'bare', entryFile: 'hosts/bare.nix' }, { name: 'k3s' }],
    results,
    scores: {},
    gate: { failed: false, reasons: [] },
    expiredWaivers: [],
    profile: null,
  } as unknown as ComplianceResult;
}

describe('annotations of failing controls', () => {
  it('most severe first, then errors before failures, then host, then control; passes and waivers left out', () => {
    const results = [
      control('C-low', 'bare', 'fail', 'low'),
      control('C-pass', 'bare', 'pass', 'critical'),
      control('C-high-b', 'k3s', 'fail', 'high'),
      control('C-high-a', 'k3s', 'fail', 'high'),
      control('C-high-err', 'k3s', 'error', 'high', { checks: [check('a.b', { status: 'error', error: 'error: boom' })] }),
      control('C-high-bare', 'bare', 'fail', 'high'),
      control('C-waived', 'bare', 'waived', 'critical'),
      control('C-medium', 'bare', 'drift', 'medium'),
      control('C-critical', 'k3s', 'fail', 'critical'),
    ];
    expect(complianceAnnotations(compliance(results)).map((a) => `${a.level} ${a.title}`)).toEqual([
      'error nixcheck C-critical (critical) on k3s',
      'error nixcheck C-high-err (high) on k3s',
      'error nixcheck C-high-bare (high) on bare',
      'error nixcheck C-high-a (high) on k3s',
      'error nixcheck C-high-b (high) on k3s',
      'warning nixcheck C-medium (medium) on bare',
      'notice nixcheck C-low (low) on bare',
    ]);
  });

  it('a failure at the line that set the value, with the check and what the running system said', () => {
    const drift = [{ path: 'a.b', evaluated: true, live: 'false', command: 'cat x' }];
    const failing = control('C-1', 'bare', 'fail', 'medium', { target: 'ssh://bare', drift });
    expect(complianceAnnotations(compliance([failing]))).toEqual([
      {
        level: 'warning',
        file: 'hosts/laptop.nix',
        line: 7,
        title: 'nixcheck C-1 (medium) on bare',
        message: 'title of C-1\na.b = true; set by hosts/laptop.nix:7 (mkForce)\ndrift: the flake evaluates a.b to true, ssh://bare has "false" (`cat x`)',
      },
    ]);
  });

  it('an error: could not be evaluated, with the first six lines of the error', () => {
    const error = ['error: 1', '2', '3', '4', '5', '6', '7'].join('\n');
    const erroring = control('C-2', 'bare', 'error', 'low', { checks: [check('a.b', { status: 'error', error, evidence: undefined })] });
    expect(complianceAnnotations(compliance([erroring]))).toEqual([
      { level: 'error', file: 'hosts/bare.nix', title: 'nixcheck C-2 (low) on bare', message: 'title of C-2: could not be evaluated\na.b: error: 1\nerror: 1\n2\n3\n4\n5\n6\n…' },
    ]);
  });

  it('a failure decided by a check with an error shows no error lines', () => {
    const failing = control('C-6', 'bare', 'fail', 'low', { checks: [check('a.b', { error: 'error: ignored' })] });
    expect(complianceAnnotations(compliance([failing]))[0]!.message).toBe('title of C-6\na.b = true; set by hosts/laptop.nix:7 (mkForce)');
  });

  it('without a deciding check: the message, or nothing; without an entry file, no location', () => {
    const [withMessage, without] = complianceAnnotations(
      compliance([control('C-3', 'k3s', 'fail', 'high', { decidedBy: undefined, message: 'no value' }), control('C-4', 'k3s', 'error', 'low', { decidedBy: undefined })]),
    );
    expect(without).toEqual({ level: 'error', title: 'nixcheck C-4 (low) on k3s', message: 'title of C-4: could not be evaluated\n' });
    expect(withMessage).toEqual({ level: 'error', title: 'nixcheck C-3 (high) on k3s', message: 'title of C-3\nno value' });
  });

  it('a definition without a line points at its file only', () => {
    const noLine = check('a.b', { evidence: { ...evidence, definitions: [{ file: '/nix/store/y', origin: 'user', localFile: 'hosts/k3s.nix', priority: 100 }] } });
    expect(complianceAnnotations(compliance([control('C-5', 'k3s', 'fail', 'critical', { checks: [noLine] })]))[0]).toMatchObject({ file: 'hosts/k3s.nix' });
    expect(complianceAnnotations(compliance([control('C-5', 'k3s', 'fail', 'critical', { checks: [noLine] })]))[0]).not.toHaveProperty('line');
  });
});

describe('githubComplianceAnnotations', () => {
  it('prints the limited annotations, returns them, and appends the compliance summary', async () => {
    const file = join(tempDir(), 'summary.md');
    const stdout = new FakeStdout();
    const results = Array.from({ length: 11 }, (_, i) => control(`C-${String(i).padStart(2, '0')}`, 'bare', 'fail', 'high'));
    const lines = await githubComplianceAnnotations(compliance(results), 'out', { stdout, env: { GITHUB_STEP_SUMMARY: file } });
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe('::notice::nixcheck: 1 more failing controls not annotated (GitHub shows 10 per step and level); see the job summary and the reports');
    expect(stdout.text).toBe(`${lines.join('\n')}\n`);
    const md = readFileSync(file, 'utf8');
    expect(md).toMatch(/^## nixcheck compliance\n/);
    expect(md).toContain('### Findings (11)');
  });

  it('a cut summary names compliance.json in the output folder', async () => {
    const file = join(tempDir(), 'summary.md');
    writeFileSync(file, 'x'.repeat(STEP_SUMMARY_LIMIT - 10));
    await githubComplianceAnnotations(compliance([control('C-1', 'bare', 'fail', 'high')]), 'out', { stdout: new FakeStdout(), env: { GITHUB_STEP_SUMMARY: file } });
    expect(readFileSync(file, 'utf8')).toMatch(/the full report is `out\/compliance\.json`\.\n$/);
  });

  it('prints nothing and writes no summary when nothing fails and GITHUB_STEP_SUMMARY is unset', async () => {
    const stdout = new FakeStdout();
    expect(await githubComplianceAnnotations(compliance([control('C-1', 'bare', 'pass', 'high')]), 'out', { stdout, env: {} })).toEqual([]);
    expect(stdout.text).toBe('');
  });
});
