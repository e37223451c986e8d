import { mostSevereFirst } from '../types.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { Score } from '../score.js';
import type { ComplianceResult } from '../run-comply.js';
import { decidingCheck, describeCheck, findingLocation } from './finding-location.js';

const pct = (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(1)}%`);
const counts = (s: Score) => `${s.counts.pass} pass, ${s.counts.fail} fail, ${s.counts.error} error, ${s.counts.waived} waived, ${s.counts['not-applicable']} n/a, ${s.counts.manual} manual`;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A summary for CI step summaries and pull requests. */
export function renderComplianceMarkdown(r: ComplianceResult): string {
  const lines: string[] = [];
  lines.push(`## nixcheck compliance${r.profile ? `: ${r.profile.title}` : ''}`, '');
  lines.push('| host | weighted score | pass ratio | verdicts |', '|---|---|---|---|');
  for (const h of r.hosts) {
    const s = r.scores[h.name]?.overall;
    if (s) lines.push(`| ${h.name} | ${pct(s.weighted)} | ${pct(s.ratio)} | ${counts(s)} |`);
  }
  lines.push('');
  if (r.gate.reasons.length) lines.push(`**Gate ${r.gate.failed ? 'failed' : 'passed'}:**`, ...r.gate.reasons.map((x) => `- ${x}`), '');
  if (r.baseline) {
    lines.push(`**Against the baseline:** ${r.baseline.newlyFailing.length} newly failing, ${r.baseline.newlyPassing.length} newly passing.`);
    for (const c of r.baseline.newlyFailing) lines.push(`- newly failing: ${c.host} ${c.controlId} (${c.severity})`);
    for (const [host, d] of Object.entries(r.baseline.hosts)) if (d.delta !== null) lines.push(`- ${host}: ${d.delta >= 0 ? '+' : ''}${d.delta.toFixed(1)} points`);
    lines.push('');
  }
  const failing = r.results.filter((x) => x.status === 'fail' || x.status === 'error');
  if (failing.length) {
    lines.push(`### Findings (${failing.length})`, '', '| host | control | severity | value | where |', '|---|---|---|---|---|');
    for (const f of [...failing].sort((a, b) => mostSevereFirst(a, b) || a.host.localeCompare(b.host))) {
      const check = decidingCheck(f);
      const where = findingLocation(f, r);
      lines.push(
        `| ${f.host} | \`${f.controlId}\` ${cell(f.title)} | ${f.severity} | ${check ? cell(describeCheck(check)) : cell(f.message ?? '')} | ${where ? `${where.file}${where.line ? `:${where.line}` : ''}` : ''} |`,
      );
    }
    lines.push('');
  }
  const waived = r.results.filter((x) => x.status === 'waived');
  if (waived.length) {
    lines.push(`### Waived (${waived.length})`, '');
    for (const w of waived) lines.push(`- ${w.host} \`${w.controlId}\`: ${w.waiver?.justification ?? ''} (until ${w.waiver?.expires ?? '?'})`);
    lines.push('');
  }
  if (r.expiredWaivers.length) {
    lines.push(`### Expired waivers (${r.expiredWaivers.length}, no longer counted)`, '');
    for (const w of r.expiredWaivers) lines.push(`- \`${w.control}\` on ${w.hosts.join(', ')}: expired ${w.expires} (${w.location.file}:${w.location.line})`);
    lines.push('');
  }
  return lines.join('\n');
}

export async function writeComplianceMarkdown(result: ComplianceResult, outDir: string): Promise<string> {
  const path = join(outDir, 'compliance.md');
  await writeFileAtomic(path, renderComplianceMarkdown(result));
  return path;
}
