import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderComplianceMarkdown } from '../../src/compliance/report/compliance-markdown.js';
import { runComply, type ComplianceResult } from '../../src/compliance/run-comply.js';
import { capSummary, githubReporter, renderTestSummary } from '../../src/report/github-reporter.js';
import { mdCell, mdCode, mdText } from '../../src/report/markdown.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';
import { makeCase, runResult } from '../helpers/results.js';

/** CommonMark with raw HTML and GFM tables, as GitHub and GitLab render it (before their sanitizers). */
const markdown = new MarkdownIt({ html: true, linkify: false });
const render = (md: string) => markdown.render(md);

const HOSTILE = 'ok <img src=x onerror=alert(1)> <!-- rest hidden [link](https://evil.example) **bold** `code` | cell\n# heading &lt;';

/** Elements a renderer may produce from our Markdown; anything else came from data. */
const ALLOWED = new Set(['p', 'br', 'code', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'h2', 'h3', 'ul', 'li', 'strong', 'blockquote']);
function foreignElements(html: string): string[] {
  const tags = [...html.matchAll(/<\/?([a-zA-Z][\w-]*)|<!--/g)].map((m) => m[1]?.toLowerCase() ?? '<!--');
  return tags.filter((t) => !ALLOWED.has(t));
}

const decode = (html: string) =>
  html.replace(/<br>/g, '\n').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

describe('Markdown escaping', () => {
  it('hostile text shows as itself in a paragraph, a table cell and a code span', () => {
    expect(foreignElements(render(`text ${mdText(HOSTILE)}`))).toEqual([]);
    expect(decode(render(mdText(HOSTILE))).trim()).toBe(HOSTILE.replace(/\n/g, ' '));
    const table = render(`| a | b |\n|---|---|\n| ${mdCell(HOSTILE)} | ${mdCode(HOSTILE, 'cell')} |\n`);
    expect(foreignElements(table)).toEqual([]);
    const cells = [...table.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
    expect(cells).toHaveLength(2);
    expect(decode(cells[0]!)).toBe(HOSTILE);
    expect(decode(cells[1]!)).toBe(HOSTILE.replace(/\n/g, ' '));
  });

  it('any text in a table cell is exactly one cell with that text (2,000 generated strings)', () => {
    const alphabet = fc.constantFrom(...'<>&|`*_[]()!#\\\'"=:/ \n\tax-1.~{}'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(alphabet, fc.string({ minLength: 1, maxLength: 1 })), maxLength: 40 }), (text) => {
        const html = render(`| a | b |\n|---|---|\n| ${mdCell(text)} | ${mdCode(text, 'cell')} |\n`);
        expect(foreignElements(html)).toEqual([]);
        const cells = [...html.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
        expect(cells).toHaveLength(2);
        // The renderer trims a cell's outer whitespace and turns NUL into U+FFFD, as GitHub's does.
        const shown = text.replace(/\r\n|\r/g, '\n').replace(/^[^\S\n]+|[^\S\n]+$/g, '').replace(/\0/g, '\uFFFD');
        expect(decode(cells[0]!)).toBe(shown);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('compliance.md and the step summary with hostile values, titles and justifications', () => {
  let result: ComplianceResult;
  beforeAll(async () => {
    const dir = tempDir();
    const waivers = join(tempDir(), 'waivers.yaml');
    writeFileSync(
      join(dir, 'controls.yaml'),
      `controls:\n  - id: hostile-title\n    title: "<img src=x onerror=alert(1)> <!-- hidden"\n    severity: high\n    rationale: r\n    remediation: m\n    fix: x\n    refs: {}\n    checks:\n      - path: networking.hostName\n        equals: "<script>alert(1)</script>"\n`,
    );
    writeFileSync(
      waivers,
      `waivers:\n  - control: auditd-enabled\n    justification: "ok <img src=x onerror=alert(1)> <!-- rest hidden"\n    expires: 2099-01-01\n`,
    );
    result = await runComply({
      flake: OFFLINE_FLAKE,
      baseDir: REPO,
      hostsAttr: 'nixosConfigurations',
      hosts: ['bare'],
      controlDirs: [dir],
      waiverFiles: [waivers],
      jobs: 1,
      timeoutMs: 60_000,
      cacheDir: tempDir(),
      today: '2026-01-01',
    });
  }, 120_000);

  it('compliance.md renders no HTML from data, and shows the text', () => {
    const md = renderComplianceMarkdown(result);
    const html = render(md);
    expect(foreignElements(html)).toEqual([]);
    expect(decode(html)).toContain('ok <img src=x onerror=alert(1)> <!-- rest hidden');
    expect(decode(html)).toContain('<img src=x onerror=alert(1)> <!-- hidden');
  });

  it('the test step summary renders no HTML from case names, values or errors', () => {
    const hostile = makeCase(1, 'fail', { name: HOSTILE, actual: HOSTILE, expected: `equals ${JSON.stringify(HOSTILE)}` });
    const erroring = makeCase(2, 'error', { error: `error: ${HOSTILE}` });
    expect(foreignElements(render(renderTestSummary(runResult([hostile, erroring]))))).toEqual([]);
  });
});

describe('the step summary stays under GitHub limit of 1 MiB', () => {
  it('a 2 MB value is cut like in the HTML report', () => {
    const big = makeCase(1, 'fail', { actual: 'x'.repeat(2_100_000), expected: `equals ${JSON.stringify('y'.repeat(2_100_000))}` });
    const md = renderTestSummary(runResult([big]));
    expect(md.length).toBeLessThan(5_000);
    expect(md).toContain('…');
  });

  it('a summary over the room left is cut at a line, with a note naming the full report', async () => {
    const file = join(tempDir(), 'summary.md');
    writeFileSync(file, 'x'.repeat(1000 * 1024) + '\n');
    const many = Array.from({ length: 50 }, (_, i) => makeCase(i, 'fail', { name: `case ${i} ${'n'.repeat(150)}`, actual: 'v'.repeat(150) }));
    const reporter = githubReporter({ stdout: { write: () => true }, env: { GITHUB_STEP_SUMMARY: file } });
    // 50 rows of about 400 bytes do not fit in the 8 KiB left.
    await reporter.finish!(runResult(many), join(tempDir(), 'reports'));
    const text = readFileSync(file, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024 * 1024);
    expect(text).toMatch(/> nixcheck: this summary was cut to stay under GitHub's 1 MiB step summary limit; the full report is `.*reports\/results\.json`\.\n$/);
    const appended = text.slice(1000 * 1024 + 1);
    expect(appended.split('\n').filter((l) => l.startsWith('| case')).length).toBeGreaterThan(0);
  });

  it('capSummary leaves a summary that fits untouched', () => {
    expect(capSummary('short\n', 100, 'r.json')).toBe('short\n');
  });
});
