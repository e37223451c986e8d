import { createHash } from 'node:crypto';
import type { ReportFile } from '../../util/atomic-write.js';
import type { ComplianceResult } from '../run-comply.js';
import type { Severity } from '../types.js';
import { mdCodeBlock, mdLines } from '../../report/markdown.js';
import { decidingCheck, describeCheck, findingLocation, liveDetails } from './finding-location.js';
import { isFinding } from '../types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
/** GitHub sorts code-scanning alerts by this (0.1-10). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '7.5', medium: '5.0', low: '2.0' };

/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per control, one result per failing
 * control and host, located at the line that set the failing value (or the host's entry
 * file when the value is a default). URIs are relative to the repository root.
 */
export function buildSarif(r: ComplianceResult): object {
  const rules = r.controls.map((c) => ({
    id: c.id,
    name: c.id.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.title },
    fullDescription: { text: c.rationale },
    help: { text: `${c.remediation}\n\n${c.fix}`, markdown: `${mdLines(c.remediation)}\n\n${mdCodeBlock(c.fix, 'nix')}` },
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: {
      // SARIF wants unique tags; one CIS id can carry several level/profile refs.
      tags: [...new Set(['security', 'nixos', ...(c.refs.cis ?? []).map((x) => `CIS-${x.id}`), ...(c.refs.stig ?? []), ...(c.refs.nist ?? []).map((n) => `NIST-${n}`)])],
      'security-severity': SECURITY_SEVERITY[c.severity],
      precision: 'very-high',
    },
  }));
  const results = r.results
    .filter((x) => isFinding(x.status))
    .map((x) => {
      const where = findingLocation(x, r);
      const check = decidingCheck(x);
      const detail = [...(check ? [` ${describeCheck(check)}.`] : []), ...liveDetails(x).map((d) => ` ${d}.`)].join('');
      return {
        ruleId: x.controlId,
        level: x.status === 'error' ? 'error' : LEVEL[x.severity],
        message: { text: `${x.host}: ${x.title}${x.status === 'error' ? ' could not be evaluated' : x.status === 'drift' ? ' passes, but the running system drifted from the flake' : ' fails'}.${detail}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: (where?.file ?? 'flake.nix').split('\\').join('/'), uriBaseId: '%SRCROOT%' },
              region: { startLine: where?.line ?? 1 },
            },
          },
        ],
        partialFingerprints: { 'nixcheck/v1': createHash('sha256').update(`${x.host}\0${x.controlId}`).digest('hex').slice(0, 32) },
        properties: { host: x.host, status: x.status, severity: x.severity },
      };
    });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'nixcheck', version: r.tool.version, rules } },
        automationDetails: { id: `nixcheck/comply/${r.profile?.id ?? 'all'}/` },
        results,
      },
    ],
  };
}

export function complianceSarifFile(result: ComplianceResult): ReportFile {
  return { name: 'compliance.sarif', render: () => JSON.stringify(buildSarif(result), null, 2) + '\n' };
}
