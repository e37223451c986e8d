/**
 * A control's verdict on one host, from what evaluation answered for its checks: each path
 * check judged by its matchers, then the control decided (applicability, allOf/anyOf,
 * manual controls) with the check that decided it. Pure, so that every rule is tested
 * in process; evaluate-controls.ts evaluates and calls it.
 */
import { match, type Observed } from '../match/matchers.js';
import { isSysctlPath } from '../match/verdict.js';
import type { ItemOutcome } from '../nix/request.js';
import type { Evidence } from '../result/model.js';
import { formatValue } from '../util/format-value.js';
import type { CheckResult, ControlResult, ValueSource } from './evaluate-controls.js';
import type { Check, Control, ControlStatus, DecisionCheck, PathCheck } from './types.js';

export function judgeCheck(check: PathCheck, outcome: ItemOutcome, evidence: Evidence | undefined): CheckResult {
  const base = { path: check.path, location: check.location };
  if (outcome.status === 'error') {
    return { ...base, status: 'error', exists: false, valueSource: 'unknown', error: outcome.error, reason: 'evaluation failed' };
  }
  if (!outcome.exists && outcome.declared !== true) {
    // Not a finding about the host: this system has no such option (another nixpkgs
    // version, or not NixOS), so the control cannot be decided from it. A documented
    // default (`whenAbsent`) stands in only for a key missing inside a declared option.
    if (check.ifDeclared) return { ...base, status: 'pass', exists: false, valueSource: 'undeclared', reason: `no option is declared at ${check.path} in this configuration; the check applies only where it is` };
    return { ...base, status: 'error', exists: false, valueSource: 'unknown', reason: 'no such option', error: `no option is declared at ${check.path} in this configuration` };
  }
  let observed: Extract<Observed, { kind: 'value' }> = { kind: 'value', exists: outcome.exists, value: outcome.value, type: outcome.type };
  let valueSource: ValueSource = evidence?.source ?? 'unknown';
  let note: string | undefined;
  if (!outcome.exists && check.whenAbsent) {
    observed = { kind: 'value', exists: true, value: check.whenAbsent.value, type: null };
    valueSource = 'documented-default';
    note = check.whenAbsent.note;
  }
  const result = match(check.matchers, observed, { numericStrings: isSysctlPath(check.attrPath) });
  return {
    ...base,
    status: result.pass ? 'pass' : 'fail',
    exists: outcome.exists,
    ...(observed.exists ? { value: observed.value } : {}),
    valueSource,
    ...(note ? { note } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    ...(evidence ? { evidence } : {}),
  };
}

export interface ControlDecision {
  status: ControlStatus;
  message?: string;
  decidedBy?: ControlResult['decidedBy'];
}

/**
 * The verdict of `control` from the results of its checks (`results`: every decision check
 * of `appliesWhen` and `checks`, as listed in `applicability` and `checks`).
 */
export function controlVerdict(
  control: Pick<Control, 'appliesWhen' | 'checks' | 'mode' | 'manualCheck'>,
  results: ReadonlyMap<DecisionCheck, CheckResult>,
  applicability: readonly CheckResult[],
  checks: readonly CheckResult[],
): ControlDecision {
  const applies = decide(control.appliesWhen, results, false);
  if (applies.status === 'error') {
    const bad = results.get(applies.by!)!;
    return {
      status: 'error',
      message: `could not decide whether the control applies: ${describeProblem(bad)}`,
      decidedBy: { list: 'applicability', index: applicability.indexOf(bad) },
    };
  }
  if (applies.status === 'fail') {
    return {
      status: 'not-applicable',
      message: `does not apply: ${applicability.filter((c) => c.status === 'fail').map((c) => `${c.path} ${c.reason ?? ''}`.trim()).join('; ')}`,
    };
  }
  if (control.checks.length === 0) {
    return { status: 'manual', message: control.mode === 'manual' ? `manual review: ${control.manualCheck}` : 'runtime-only: run the VM checks to decide' };
  }
  const verdict = decide(control.checks, results, false);
  if (!verdict.by) return { status: verdict.status };
  const bad = results.get(verdict.by)!;
  return { status: verdict.status, message: describeProblem(bad), decidedBy: { list: 'checks', index: checks.indexOf(bad) } };
}

/**
 * allOf semantics (`any` false): fail beats error beats pass; anyOf: any pass passes, then
 * error beats fail (an empty one passes). `by`: the path check a fail or error comes from,
 * so that the message and the report's location explain the verdict, not a sibling that
 * did not decide it.
 */
function decide(checks: readonly Check[], results: ReadonlyMap<DecisionCheck, CheckResult>, any: boolean): Decision {
  const outcomes = checks.map((c): Decision =>
    c.kind === 'path' || c.kind === 'alternatives' ? { status: results.get(c)!.status, by: c } : c.kind === 'anyOf' ? decide(c.anyOf, results, true) : decide(c.allOf, results, false),
  );
  const first = (status: Decision['status']) => outcomes.find((o) => o.status === status);
  if (any && first('pass')) return PASSED;
  return (any ? (first('error') ?? first('fail')) : (first('fail') ?? first('error'))) ?? PASSED;
}

const PASSED: Decision = { status: 'pass' };

interface Decision {
  status: 'pass' | 'fail' | 'error';
  by?: DecisionCheck;
}

function describeProblem(bad: CheckResult): string {
  if (bad.status === 'error') return `${bad.path}: ${bad.error?.split('\n')[0] ?? 'evaluation failed'}`;
  const shown = bad.exists || bad.valueSource === 'documented-default' ? formatValue(bad.value, 120) : 'not set';
  return `${bad.path} is ${shown}${bad.valueSource === 'documented-default' ? ` (${bad.note ?? 'documented default'})` : ''}: ${bad.reason ?? 'check failed'}`;
}

