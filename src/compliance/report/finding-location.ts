import { describeOverridden, describeSite, priorityName } from '../../evidence/evidence.js';
import type { CheckResult, ControlResult } from '../evaluate-controls.js';
import type { ComplianceResult } from '../run-comply.js';

/** The check that decided a failing or erroring control. */
export function decidingCheck(result: ControlResult): CheckResult | undefined {
  return result.decidedBy ? result[result.decidedBy.list][result.decidedBy.index] : undefined;
}

/**
 * Where a finding points: the line that defined the failing value, or, when the value is
 * a default nobody set, the host's entry file.
 */
export function findingLocation(result: ControlResult, compliance: ComplianceResult): { file: string; line?: number } | undefined {
  const check = decidingCheck(result);
  const site = check?.evidence?.source === 'user' ? check.evidence.definitions.find((d) => d.localFile && (d.origin === 'user' || d.origin === 'inline')) : undefined;
  if (site?.localFile) return { file: site.localFile, ...(site.line ? { line: site.line } : {}) };
  const entry = compliance.hosts.find((h) => h.name === result.host)?.entryFile;
  return entry ? { file: entry } : undefined;
}

/** A check in one line: `path = value; where it came from`, or `path: the error` when it could not be evaluated. */
export function describeCheck(check: CheckResult): string {
  if (check.status === 'error') return `${check.path}: ${firstLine(check.error ?? 'evaluation failed')}`;
  return `${check.path} = ${check.exists || check.valueSource === 'documented-default' ? JSON.stringify(check.value) : '(unset)'}; ${describeValueSource(check)}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/** One line on where the value came from: "set by X:12 (mkForce); overriding Y:88 (mkDefault)". */
export function describeValueSource(check: CheckResult): string {
  if (check.status === 'error') return `no value: ${firstLine(check.error ?? 'evaluation failed')}`;
  switch (check.valueSource) {
    case 'documented-default':
      return `not set anywhere; effective default ${JSON.stringify(check.value)} (${check.note ?? 'documented default'})`;
    case 'default':
      return 'not set by any module: the NixOS default applies';
    case 'upstream':
      return `the NixOS default (${check.evidence?.definitions.map(describeSite).join(', ') ?? 'set by upstream modules'})`;
    case 'user': {
      const e = check.evidence;
      if (!e) return 'set by a module';
      const defs = e.definitions.map(describeSite).join(', ') || `priority ${priorityName(e.priority) ?? '?'}`;
      return `set by ${defs}${describeOverridden(e)}`;
    }
    default: {
      const sites = check.evidence?.definitions.map(describeSite).join(', ');
      return check.exists ? `source unknown${sites ? ` (${sites})` : ''}` : 'not set';
    }
  }
}
