import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderComplianceMarkdown } from '../../src/compliance/report/compliance-markdown.js';
import { findingLocation } from '../../src/compliance/report/finding-location.js';
import { runComply, type ComplianceResult } from '../../src/compliance/run-comply.js';
import { githubComplianceAnnotations, githubReporter } from '../../src/report/github-reporter.js';
import type { RunResult } from '../../src/result/model.js';
import { FakeStdout, makeCase, runResult } from '../helpers/results.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

async function finish(result: RunResult, env: Record<string, string | undefined> = {}) {
  const stdout = new FakeStdout();
  await githubReporter({ stdout, env }).finish!(result, tempDir());
  return stdout;
}

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
      evidence: { option: 'a.b1', isDefined: true, priority: 50, priorityName: 'mkForce', source: 'user', definitions: [{ file: '/nix/store/x', origin: 'user', localFile: 'hosts/laptop.nix', line: 7, priority: 50 }], overridden: [], declarations: [] },
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

describe('githubComplianceAnnotations on the offline example flake', () => {
  let result: ComplianceResult;
  beforeAll(async () => {
    result = await runComply({ flake: OFFLINE_FLAKE, baseDir: REPO, hostsAttr: 'nixosConfigurations', hosts: ['bare', 'k3s-node', 'desktop'], jobs: 2, timeoutMs: 60_000, cacheDir: tempDir(), today: '2026-01-01' });
  }, 120_000);

  it('annotates failing controls where the failing value is defined, most severe first, within the limits', async () => {
    const stdout = new FakeStdout();
    const summary = join(tempDir(), 'summary.md');
    const printed = await githubComplianceAnnotations(result, tempDir(), { stdout, env: { GITHUB_STEP_SUMMARY: summary } });
    const lines = stdout.lines();
    expect(lines).toEqual(printed);
    const failing = result.results.filter((r) => r.status === 'fail' || r.status === 'error');
    expect(failing.length).toBeGreaterThan(30);

    const annotations = lines.filter((l) => !l.startsWith('::notice::nixcheck:'));
    for (const level of ['error', 'warning', 'notice']) {
      expect(annotations.filter((l) => l.startsWith(`::${level} `)).length).toBeLessThanOrEqual(level === 'notice' ? 9 : 10);
    }
    // One count line, last, with exactly the rest.
    const count = lines.at(-1)!;
    expect(count).toMatch(/^::notice::nixcheck: (\d+) more failing controls not annotated/);
    expect(Number(/(\d+) more/.exec(count)![1])).toBe(failing.length - annotations.length);

    // Most severe first.
    const rank = { critical: 0, high: 1, medium: 2, low: 3 } as const;
    const severities = annotations.map((l) => /\((critical|high|medium|low)\)/.exec(l)![1] as keyof typeof rank);
    expect(severities.map((s) => rank[s])).toEqual([...severities.map((s) => rank[s])].sort((a, b) => a - b));

    // Each at the line that defined the failing value (or the host's entry file).
    for (const l of annotations) {
      const [, id, host] = /title=nixcheck (\S+) \(\w+\) on (\S+)::/.exec(l)!;
      const where = findingLocation(failing.find((r) => r.controlId === id && r.host === host)!, result)!;
      expect(l).toContain(`file=${where.file}${where.line ? `,line=${where.line}` : ''},title=`);
    }
    const located = annotations.filter((l) => /,line=\d+,/.test(l));
    expect(located.length).toBeGreaterThan(0);
    const [, file, line] = /file=([^,]+),line=(\d+)/.exec(located[0]!)!;
    expect(readFileSync(join(REPO, file!), 'utf8').split('\n').length).toBeGreaterThanOrEqual(Number(line));

    // compliance.md's content in the step summary.
    const md = renderComplianceMarkdown(result);
    expect(readFileSync(summary, 'utf8')).toBe(md.endsWith('\n') ? md : `${md}\n`);
  });
});
