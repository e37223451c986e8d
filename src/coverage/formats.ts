import { basename, dirname } from 'node:path';
import type { CoverageOption, CoverageReport } from './types.js';

/** Options grouped by declaring file, in report order. */
function byFile(report: CoverageReport): Map<string, CoverageOption[]> {
  const map = new Map<string, CoverageOption[]>();
  for (const o of report.options) {
    const list = map.get(o.file);
    if (list) list.push(o);
    else map.set(o.file, [o]);
  }
  return map;
}

/**
 * What an option's hit count is: its reads (option coverage), or 1 when it has a
 * description (documentation coverage, `docs.*` files).
 */
export type HitCount = (option: CoverageOption) => number;
export const readHits: HitCount = (o) => o.hits;
export const descriptionHits: HitCount = (o) => (o.description ? 1 : 0);

/** Hits per known declaration line (two options on one line add up). */
function lineHits(options: readonly CoverageOption[], hitsOf: HitCount): Map<number, number> {
  const lines = new Map<number, number>();
  for (const o of options) if (o.line !== null) lines.set(o.line, (lines.get(o.line) ?? 0) + hitsOf(o));
  return new Map([...lines.entries()].sort(([a], [b]) => a - b));
}

/**
 * lcov tracefile: one record per module file, one function per option (FN at the
 * declaration line, named by the option path; FNDA = reads), DA = reads per declaration
 * line. An option whose line is unknown gets `FN:0` and no DA line.
 */
export function renderLcov(report: CoverageReport, hitsOf: HitCount = readHits): string {
  const out: string[] = [];
  for (const [file, options] of byFile(report)) {
    out.push('TN:nixcheck', `SF:${file}`);
    for (const o of options) out.push(`FN:${o.line ?? 0},${o.option}`);
    for (const o of options) out.push(`FNDA:${hitsOf(o)},${o.option}`);
    out.push(`FNF:${options.length}`, `FNH:${options.filter((o) => hitsOf(o) > 0).length}`);
    const lines = lineHits(options, hitsOf);
    for (const [line, hits] of lines) out.push(`DA:${line},${hits}`);
    out.push(`LF:${lines.size}`, `LH:${[...lines.values()].filter((h) => h > 0).length}`, 'end_of_record');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

function rate(covered: number, valid: number): string {
  return valid === 0 ? '1' : String(Number((covered / valid).toFixed(4)));
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Cobertura XML (GitLab `coverage_report`, Codecov): a package per directory, a class per
 * module file, a method per option, lines = declaration lines with their read counts.
 * line-rate is covered declaration lines / declaration lines; options without a known
 * line appear as methods without lines.
 */
export function renderCobertura(report: CoverageReport, version = '0', hitsOf: HitCount = readHits): string {
  const files = byFile(report);
  const packages = new Map<string, string[]>();
  for (const file of files.keys()) {
    const dir = dirname(file);
    const list = packages.get(dir);
    if (list) list.push(file);
    else packages.set(dir, [file]);
  }
  let totalValid = 0;
  let totalCovered = 0;
  const body: string[] = [];
  for (const [dir, dirFiles] of [...packages.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const classes: string[] = [];
    let pkgValid = 0;
    let pkgCovered = 0;
    for (const file of dirFiles) {
      const options = files.get(file)!;
      const lines = lineHits(options, hitsOf);
      const covered = [...lines.values()].filter((h) => h > 0).length;
      pkgValid += lines.size;
      pkgCovered += covered;
      const methods = options.map((o) => {
        const lineXml = o.line !== null ? `<line number="${o.line}" hits="${hitsOf(o)}" branch="false"/>` : '';
        return `      <method name="${xml(o.option)}" signature="" line-rate="${hitsOf(o) > 0 ? '1' : '0'}" branch-rate="0" complexity="0">\n        <lines>${lineXml}</lines>\n      </method>`;
      });
      classes.push(
        [
          `  <class name="${xml(basename(file))}" filename="${xml(file)}" line-rate="${rate(covered, lines.size)}" branch-rate="0" complexity="0">`,
          '    <methods>',
          ...methods,
          '    </methods>',
          '    <lines>',
          ...[...lines.entries()].map(([line, hits]) => `      <line number="${line}" hits="${hits}" branch="false"/>`),
          '    </lines>',
          '  </class>',
        ].join('\n'),
      );
    }
    totalValid += pkgValid;
    totalCovered += pkgCovered;
    body.push(
      `<package name="${xml(dir)}" line-rate="${rate(pkgCovered, pkgValid)}" branch-rate="0" complexity="0">`,
      '  <classes>',
      ...classes.map((c) => c.replace(/^/gm, '  ')),
      '  </classes>',
      '</package>',
    );
  }
  const timestamp = Date.parse(report.generatedAt);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<coverage line-rate="${rate(totalCovered, totalValid)}" branch-rate="0" lines-covered="${totalCovered}" lines-valid="${totalValid}" branches-covered="0" branches-valid="0" complexity="0" version="nixcheck ${xml(version)}" timestamp="${Number.isNaN(timestamp) ? 0 : timestamp}">`,
    '  <sources>',
    '    <source>.</source>',
    '  </sources>',
    '  <packages>',
    ...body.flatMap((l) => l.split('\n')).map((l) => `    ${l}`),
    '  </packages>',
    '</coverage>',
    '',
  ].join('\n');
}
