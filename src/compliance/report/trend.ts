/**
 * Score trends (with --history): in compliance.html one inline SVG chart per host,
 * one line per series (all controls, CIS, STIG, NIST), x by run time, y the weighted score.
 * Drawn here, as markup: no script, no network.
 */
import { mdCell } from '../../report/markdown.js';
import { TREND_SERIES, type ComplianceHistory, type TrendSeries } from '../history.js';

const WIDTH = 640;
const HEIGHT = 220;
const PLOT = { left: 44, right: 520, top: 16, bottom: 186 };
const COLORS: Record<TrendSeries, string> = { all: '#1d2330', cis: '#2a6fdb', stig: '#c2410c', nist: '#15803d' };
const LABELS: Record<TrendSeries, string> = { all: 'all controls', cis: 'CIS', stig: 'STIG', nist: 'NIST 800-53' };

const xml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const round = (n: number) => Math.round(n * 100) / 100;
const shortTime = (iso: string) => iso.slice(0, 16).replace('T', ' ');

export function renderTrendChart(history: ComplianceHistory, host: string): string {
  const times = history.runs.map((r) => Date.parse(r.generatedAt));
  const [first, last] = [Math.min(...times), Math.max(...times)];
  const x = (t: number) => round(last === first ? (PLOT.left + PLOT.right) / 2 : PLOT.left + ((t - first) / (last - first)) * (PLOT.right - PLOT.left));
  const y = (score: number) => round(PLOT.bottom - (score / 100) * (PLOT.bottom - PLOT.top));
  const parts: string[] = [];
  for (const tick of [0, 25, 50, 75, 100]) {
    parts.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e6e9f0"/>`, `<text x="${PLOT.left - 6}" y="${y(tick) + 4}" text-anchor="end" font-size="11" fill="#667">${tick}%</text>`);
  }
  parts.push(
    `<text x="${PLOT.left}" y="${HEIGHT - 8}" font-size="11" fill="#667">${xml(shortTime(history.runs[0]!.generatedAt))}</text>`,
    `<text x="${PLOT.right}" y="${HEIGHT - 8}" text-anchor="end" font-size="11" fill="#667">${xml(shortTime(history.runs.at(-1)!.generatedAt))}</text>`,
  );
  TREND_SERIES.forEach((series, i) => {
    const points = history.runs.flatMap((run, index) => {
      const score = run.scores[host]?.[series];
      return typeof score === 'number' ? [{ run, index, score, cx: x(Date.parse(run.generatedAt)), cy: y(score) }] : [];
    });
    if (points.length === 0) return;
    const color = COLORS[series];
    parts.push(`<polyline class="series" data-series="${series}" fill="none" stroke="${color}" stroke-width="${series === 'all' ? 2.5 : 1.5}" points="${points.map((p) => `${p.cx},${p.cy}`).join(' ')}"/>`);
    for (const p of points) {
      parts.push(
        `<circle class="point" data-host="${xml(host)}" data-series="${series}" data-run="${p.index}" data-time="${xml(p.run.generatedAt)}" data-score="${round(p.score)}" cx="${p.cx}" cy="${p.cy}" r="3.5" fill="${color}"><title>${xml(`${LABELS[series]} ${shortTime(p.run.generatedAt)}: ${p.score.toFixed(1)}%${p.run.source ? ` (${p.run.source})` : ' (this run)'}`)}</title></circle>`,
      );
    }
    parts.push(`<rect x="${PLOT.right + 18}" y="${PLOT.top + i * 20}" width="12" height="12" fill="${color}"/>`, `<text x="${PLOT.right + 36}" y="${PLOT.top + i * 20 + 11}" font-size="12" fill="#1d2330">${LABELS[series]}</text>`);
  });
  return `<svg class="trend" data-host="${xml(host)}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${xml(`weighted score of ${host} over ${history.runs.length} runs`)}">${parts.join('')}</svg>`;
}

/** The charts section of compliance.html: a heading and a chart per host. */
export function renderTrendSection(history: ComplianceHistory, hosts: readonly string[]): string {
  const left = history.otherProfile.length ? ` ${history.otherProfile.length} earlier run(s) of another profile left out.` : '';
  return [
    '<section id="trend">',
    `<h2>Score over time</h2><p class="muted">Weighted score per run, ${history.runs.length} runs, the last one this run.${xml(left)}</p>`,
    ...hosts.map((h) => `<figure><figcaption>${xml(h)}</figcaption>${renderTrendChart(history, h)}</figure>`),
    '</section>',
  ].join('\n');
}

/** The trend table of compliance.md: the last `columns` runs per host and series, and the change over them. */
export function renderTrendTable(history: ComplianceHistory, hosts: readonly string[], columns = 6): string[] {
  const runs = history.runs.slice(-columns);
  const cell = (v: number | null | undefined) => (typeof v === 'number' ? `${v.toFixed(1)}%` : 'n/a');
  const lines = [
    `### Score trend (weighted, last ${runs.length} of ${history.runs.length} runs)`,
    '',
    `| host | series | ${runs.map((r) => (r.source === null ? 'this run' : r.generatedAt.slice(0, 10))).join(' | ')} | change |`,
    `|---|---|${runs.map(() => '---|').join('')}---|`,
  ];
  for (const host of hosts) {
    for (const series of TREND_SERIES) {
      const values = runs.map((r) => r.scores[host]?.[series]);
      if (values.every((v) => typeof v !== 'number')) continue;
      const known = values.filter((v): v is number => typeof v === 'number');
      const change = known.length > 1 ? known.at(-1)! - known[0]! : null;
      lines.push(`| ${mdCell(host)} | ${LABELS[series]} | ${values.map(cell).join(' | ')} | ${change === null ? '' : `${change >= 0 ? '+' : ''}${change.toFixed(1)}`} |`);
    }
  }
  if (history.otherProfile.length) lines.push('', `${history.otherProfile.length} earlier run(s) of another profile left out.`);
  return [...lines, ''];
}
