import { isFinding, mostSevereFirst } from '../types.js';
import { mdCell, mdCode, mdText } from '../../report/markdown.js';
import type { ReportFile } from '../../util/atomic-write.js';
import type { Score } from '../score.js';
import type { ComplianceResult } from '../run-comply.js';
import { decidingCheck, describeCheck, findingLocation, liveDetails } from './finding-location.js';
import { renderTrendTable } from './trend.js';

const pct = (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(1)}%`);
const counts = (s: Score) => `${s.counts.pass} pass, ${s.counts.fail} fail, ${s.counts.error} error, ${s.counts.drift} drift, ${s.counts.waived} waived, ${s.counts['not-applicable']} n/a, ${s.counts.manual} manual`;

/** A summary for CI step summaries and pull requests. */
export function renderComplianceMarkdown(r: ComplianceResult): string {
  const lines: string[] = [];
  lines.push(`## nixcheck compliance${r.profile ? `: ${mdText(r.profile.title)}` : ''}`, '');
  lines.push('| host | weighted score | pass ratio | verdicts |', '|---|---|---|---|');
  for (const h of r.hosts) {
    const s = r.scores[h.name]?.overall;
    if (s) lines.push(`| ${mdCell(h.name)} | ${pct(s.weighted)} | ${pct(s.ratio)} | ${counts(s)} |`);
  }
  lines.push('');
  if (r.gate.reasons.length) lines.push(`**Gate ${r.gate.failed ? 'failed' : 'passed'}:**`, ...r.gate.reasons.map((x) => `- ${mdText(x)}`), '');
  if (r.baseline) {
    lines.push(`**Against the baseline:** ${r.baseline.newlyFailing.length} newly failing, ${r.baseline.newlyPassing.length} newly passing.`);
    for (const c of r.baseline.newlyFailing) lines.push(`- newly failing: ${mdText(c.host)} ${mdCode(c.controlId)} (${c.severity})`);
    for (const [host, d] of Object.entries(r.baseline.hosts)) if (d.delta !== null) lines.push(`- ${mdText(host)}: ${d.delta >= 0 ? '+' : ''}${d.delta.toFixed(1)} points`);
    lines.push('');
  }
  if (r.history) lines.push(...renderTrendTable(r.history, r.hosts.map((h) => h.name)));
  const failing = r.results.filter((x) => isFinding(x.status));
  if (failing.length) {
    lines.push(`### Findings (${failing.length})`, '', '| host | control | severity | value | where |', '|---|---|---|---|---|');
    for (const f of [...failing].sort((a, b) => mostSevereFirst(a, b) || a.host.localeCompare(b.host))) {
      const check = decidingCheck(f);
      const where = findingLocation(f, r);
      lines.push(
        `| ${mdCell(f.host)} | ${mdCode(f.controlId, 'cell')} ${mdCell(f.title)} | ${f.severity} | ${check ? mdCell([describeCheck(check), ...liveDetails(f)].join('; ')) : mdCell(f.message ?? '')} | ${where ? mdCell(`${where.file}${where.line ? `:${where.line}` : ''}`) : ''} |`,
      );
    }
    lines.push('');
  }
  const waived = r.results.filter((x) => x.status === 'waived');
  if (waived.length) {
    lines.push(`### Waived (${waived.length})`, '');
    for (const w of waived) lines.push(`- ${mdText(w.host)} ${mdCode(w.controlId)}: ${mdText(w.waiver?.justification ?? '')} (until ${mdText(w.waiver?.expires ?? '?')})`);
    lines.push('');
  }
  if (r.expiredWaivers.length) {
    lines.push(`### Expired waivers (${r.expiredWaivers.length}, no longer counted)`, '');
    for (const w of r.expiredWaivers) lines.push(`- ${mdCode(w.control)} on ${mdText(w.hosts.join(', '))}: expired ${mdText(w.expires)} (${mdText(`${w.location.file}:${w.location.line}`)})`);
    lines.push('');
  }
  return lines.join('\n');
}

export function complianceMarkdownFile(result: ComplianceResult): ReportFile {
  return { name: 'compliance.md', render: () => renderComplianceMarkdown(result) };
}
