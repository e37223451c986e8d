import { isFinding, mostSevereFirst } from '../types.js';
import type { ComplianceResult } from '../run-comply.js';
import { decidingCheck, describeCheck, findingLocation, liveDetails } from './finding-location.js';

const pct = (n: number | null | undefined) => (n === null || n === undefined ? '  n/a' : `${n.toFixed(1).padStart(5)}%`);

/** Findings, most severe first, then a score line per host. */
export function formatComplianceTerminal(r: ComplianceResult, maxFindings = 40): string {
  const failing = r.results
    .filter((x) => isFinding(x.status))
    .sort((a, b) => mostSevereFirst(a, b) || a.host.localeCompare(b.host) || a.controlId.localeCompare(b.controlId));
  const lines: string[] = [];
  for (const f of failing.slice(0, maxFindings)) {
    const check = decidingCheck(f);
    const where = findingLocation(f, r);
    lines.push(`${f.status.toUpperCase()} [${f.severity}] ${f.host} ${f.controlId}: ${f.title}`);
    if (check) lines.push(`  ${describeCheck(check)}`);
    for (const detail of liveDetails(f)) lines.push(`  ${detail}`);
    if (where) lines.push(`  at ${where.file}${where.line ? `:${where.line}` : ''}`);
  }
  if (failing.length > maxFindings) lines.push(`… and ${failing.length - maxFindings} more findings (see reports/compliance.md)`);
  lines.push('');
  lines.push(`nixcheck comply${r.profile ? ` (${r.profile.id})` : ''}: ${r.controls.length} controls on ${r.hosts.length} hosts`);
  for (const h of r.hosts) {
    const s = r.scores[h.name]?.overall;
    if (!s) continue;
    const c = s.counts;
    lines.push(`  ${h.name.padEnd(12)} weighted ${pct(s.weighted)}  ratio ${pct(s.ratio)}  ${c.pass} pass, ${c.fail} fail, ${c.error} error, ${c.drift} drift, ${c.waived} waived, ${c['not-applicable']} n/a, ${c.manual} manual`);
    if (h.live) lines.push(`  ${''.padEnd(12)} runtime checks on ${h.live.target}${h.live.error ? `: ${h.live.error}` : ''}`);
  }
  if (r.expiredWaivers.length) lines.push(`  ${r.expiredWaivers.length} expired waiver(s) no longer count`);
  if (r.baseline) lines.push(`  against the baseline: ${r.baseline.newlyFailing.length} newly failing, ${r.baseline.newlyPassing.length} newly passing`);
  for (const reason of r.gate.reasons) lines.push(`  gate: ${reason}`);
  return lines.join('\n') + '\n';
}
