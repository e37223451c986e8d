import { buildJunit } from '../../report/junit-reporter.js';
import type { CaseResult, Verdict } from '../../result/model.js';
import type { ReportFile } from '../../util/atomic-write.js';
import type { ControlStatus } from '../types.js';
import type { ComplianceResult } from '../run-comply.js';
import { decidingCheck, describeValueSource } from './finding-location.js';

const VERDICT: Record<ControlStatus, Verdict> = { pass: 'pass', fail: 'fail', error: 'error', drift: 'fail', 'not-applicable': 'skip', waived: 'skip', manual: 'skip' };

/** A testcase per control and host, with CIS/STIG/NIST references as properties. */
export function complianceCases(r: ComplianceResult): CaseResult[] {
  const controls = new Map(r.controls.map((c) => [c.id, c]));
  return r.results.map((x) => {
    const control = controls.get(x.controlId)!;
    const check = decidingCheck(x) ?? x.checks[0];
    return {
      id: `${x.host}/${x.controlId}`,
      kind: 'compliance',
      suite: r.profile?.id ?? 'compliance',
      suiteFile: control.location.file,
      name: `${x.controlId}: ${x.title}`,
      location: control.location,
      target: { label: x.host, host: x.host },
      path: check?.path ?? '',
      root: 'config',
      verdict: VERDICT[x.status],
      expected: check ? `${check.path}: the control's checks pass` : 'the control passes',
      ...(check && (check.exists || check.valueSource === 'documented-default') ? { actual: check.value, exists: true } : {}),
      ...(x.message ? { message: x.status === 'waived' ? `waived: ${x.waiver?.justification ?? ''} (until ${x.waiver?.expires})` : x.message } : {}),
      ...(check?.error ? { error: check.error } : {}),
      ...(check?.evidence ? { evidence: check.evidence } : {}),
      durationMs: 0,
      cached: false,
      properties: {
        status: x.status,
        severity: x.severity,
        impact: String(x.impact),
        ...(x.refs.cis?.length ? { cis: x.refs.cis.map((c) => `${c.id} L${c.level} ${c.profiles.join('/')}`).join(', ') } : {}),
        ...(x.refs.stig?.length ? { stig: x.refs.stig.join(', ') } : {}),
        ...(x.refs.nist?.length ? { nist: x.refs.nist.join(', ') } : {}),
        ...(check ? { valueSource: describeValueSource(check) } : {}),
      },
    };
  });
}

export function complianceJunitFile(result: ComplianceResult): ReportFile {
  return { name: 'compliance-junit.xml', render: () => buildJunit(complianceCases(result)) };
}
