import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderComplianceMarkdown } from '../../src/compliance/report/compliance-markdown.js';
import { findingLocation } from '../../src/compliance/report/finding-location.js';
import { runComply, type ComplianceResult } from '../../src/compliance/run-comply.js';
import { githubComplianceAnnotations } from '../../src/report/github-reporter.js';
import { FakeStdout } from '../helpers/results.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

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
