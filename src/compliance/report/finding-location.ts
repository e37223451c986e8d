import { describeOverridden, describeSite, priorityName } from '../../evidence/evidence.js';
import { describeAlternative } from '../alternatives.js';
import { formatValue } from '../../util/format-value.js';
import type { CheckResult, ControlResult } from '../evaluate-controls.js';
import type { ComplianceResult } from '../run-comply.js';
import { describeDrift, describeRuntimeProblem } from '../runtime-verdicts.js';

/** The check that decided a failing or erroring control; for drift, the check of the drifted path. */
export function decidingCheck(result: ControlResult): CheckResult | undefined {
  if (result.decidedBy) return result[result.decidedBy.list][result.decidedBy.index];
  // A drift verdict: the check of the drifted path.
  return result.drift ? result.checks.find((c) => c.path === result.drift![0]!.path) : undefined;
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

/** What the running system said: each runtime check that did not pass, and each drifted value. */
export function liveDetails(result: ControlResult): string[] {
  const where = result.target ?? 'the VM';
  return [
    ...(result.runtime ?? []).filter((x) => x.status !== 'pass').map((x) => `${where}: ${describeRuntimeProblem(x)}`),
    ...(result.drift ?? []).map((d) => describeDrift(d, where)),
  ];
}

/** A check in one line: `path = value; where it came from`, or `path: the error` when it could not be evaluated. */
export function describeCheck(check: CheckResult): string {
  if (check.status === 'error') return `${check.path}: ${firstLine(check.error ?? 'evaluation failed')}`;
  return `${check.path} = ${shownValue(check)}; ${describeValueSource(check)}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/**
 * One line on where the value came from: "set by X:12 (mkForce); overriding Y:88
 * (mkDefault)", and, for a check with alternatives, which option it was read from.
 */
export function describeValueSource(check: CheckResult): string {
  if (check.status === 'error') return `no value: ${firstLine(check.error ?? 'evaluation failed')}`;
  const alternative = describeAlternative(check);
  return alternative ? `${describeSource(check)}; ${alternative}` : describeSource(check);
}

function describeSource(check: CheckResult): string {
  switch (check.valueSource) {
    case 'documented-default':
      return `not set anywhere; effective default ${formatValue(check.value)} (${check.note ?? 'documented default'})`;
    case 'default':
      return 'not set by any module: the NixOS default applies';
    case 'undeclared':
      return 'no such option in this configuration: the check applies only where it is declared';
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

/** The most characters of a value a report shows; longer values are cut with "…". */
export const SHOWN_VALUE_CHARS = 300;

/** The value a check saw, as reports show it: JSON cut at SHOWN_VALUE_CHARS, or "(unset)". */
export function shownValue(check: CheckResult): string {
  return check.exists || check.valueSource === 'documented-default' ? formatValue(check.value, SHOWN_VALUE_CHARS) : '(unset)';
}
