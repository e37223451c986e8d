import type { CoverageReport, CoverageSummary } from './types.js';

function pct(summary: CoverageSummary): string {
  return summary.percent === null ? '-' : summary.percent.toFixed(2);
}

function table(header: string[], rows: string[][], notes: Map<number, string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  rows.forEach((r, i) => {
    out.push(line(r));
    for (const note of notes.get(i) ?? []) out.push(`    ${note}`);
  });
  return out;
}

/**
 * The terminal summary: totals, a table per module file (uncovered options listed under
 * each file with their declaration line), a table per namespace, and the values the
 * user's files set that no check reads.
 */
export function formatCoverageTable(report: CoverageReport): string {
  const t = report.totals;
  const out: string[] = [];
  out.push(
    `Option coverage: ${t.covered}/${t.options} options (${t.percent === null ? 'no options' : `${t.percent.toFixed(2)}%`}), ` +
      `${t.direct} read directly, ${t.prefixOnly} only through a prefix`,
  );
  if (report.include.length || report.exclude.length) {
    out.push(`  include: ${report.include.join(', ') || '(all)'}; exclude: ${report.exclude.join(', ') || '(none)'}`);
  }
  out.push('');

  const lineOf = new Map(report.options.map((o) => [`${o.file}\u0000${o.option}`, o]));
  const notes = new Map<number, string[]>();
  report.files.forEach((f, i) => {
    if (f.uncovered.length === 0) return;
    notes.set(
      i,
      f.uncovered.map((name) => {
        const o = lineOf.get(`${f.file}\u0000${name}`);
        return `uncovered: ${name} (${o && o.line !== null ? `line ${o.line}` : 'line unknown'})`;
      }),
    );
  });
  out.push(
    ...table(
      ['Module file', 'Options', 'Covered', 'Direct', 'Prefix only', '%'],
      report.files.map((f) => [f.file, String(f.options), String(f.covered), String(f.direct), String(f.prefixOnly), pct(f)]),
      notes,
    ),
  );
  out.push('');
  out.push(
    ...table(
      ['Namespace', 'Options', 'Covered', 'Direct', 'Prefix only', '%'],
      report.namespaces.map((n) => [n.namespace, String(n.options), String(n.covered), String(n.direct), String(n.prefixOnly), pct(n)]),
      new Map(),
    ),
  );

  const d = report.documentation;
  const docPct = (p: number | null) => (p === null ? 'no options' : `${p.toFixed(2)}%`);
  out.push(
    '',
    `Documentation: ${d.totals.described}/${d.totals.options} options have a description (${docPct(d.totals.percent)}), ${d.totals.withExample} an example (${docPct(d.totals.examplePercent)})`,
  );
  const docNotes = new Map<number, string[]>();
  d.files.forEach((f, i) => docNotes.set(i, [...f.undescribed.map((o) => `no description: ${o}`), ...f.withoutExample.map((o) => `no example: ${o}`)]));
  out.push(
    ...table(
      ['Module file', 'Options', 'Described', 'With example', '%'],
      d.files.map((f) => [f.file, String(f.options), String(f.described), String(f.withExample), f.percent === null ? '-' : f.percent.toFixed(2)]),
      docNotes,
    ),
  );

  if (report.lineUnknown > 0) {
    out.push('', `${report.lineUnknown} option(s) have no known declaration line (no declarationPositions and not found in the file): lcov shows them at line 0.`);
  }
  if (report.unreadDefinitions.length > 0) {
    out.push('', `Values your files set that no check reads (${report.unreadDefinitions.length}):`);
    for (const d of report.unreadDefinitions) {
      const where = d.definitions.map((def) => (def.line !== null ? `${def.file}:${def.line}` : def.file)).join(', ');
      out.push(`  ${d.option}  ${where}`);
    }
  }
  const problems = report.targets.flatMap((tg) =>
    tg.problems.map((p) => `${tg.label}: ${p.part === 'sub-options' ? `the options inside ${p.option}` : p.option} skipped (${p.reason}): ${p.error.split('\n')[0]}`),
  );
  if (problems.length > 0) out.push('', 'Options skipped because evaluating them ended Nix:', ...problems.map((p) => `  ${p}`));
  return `${out.join('\n')}\n`;
}
