import type { PathSegment } from '../nix/request.js';
import { parseAttrPath } from '../suite/attr-path.js';
import type { CoverageRead } from './types.js';

/** The parts of a planned suite case (src/suite/run-suites.ts PlannedCase) that coverage needs. */
export interface PlannedCaseLike {
  suite: { displayFile: string };
  case: {
    name: string;
    root: 'config' | 'attr';
    path: readonly PathSegment[];
    skip?: string;
    location: { line: number };
  };
}

/**
 * One read per planned case that is evaluated (skipped cases read nothing). A `path:`
 * case reads its config path; an `attr:` case counts when it reads `config.<path>` or
 * `options.<path>` (option metadata such as `isDefined` is a read of that option); other
 * attributes are not config reads. A case planned on several targets gives the same
 * read several times: computeCoverage counts it once.
 */
export function readsFromSuites(plannedCases: readonly PlannedCaseLike[]): CoverageRead[] {
  const reads: CoverageRead[] = [];
  for (const p of plannedCases) {
    if (p.case.skip !== undefined) continue;
    let path: string[] | undefined;
    // Options are named by attribute names: a list index reads the option it is below.
    const named = p.case.path.map(String);
    if (p.case.root === 'config') path = named;
    else if (named[0] === 'config' || named[0] === 'options') path = named.slice(1);
    if (!path || path.length === 0) continue;
    reads.push({ path, by: 'suite', where: `${p.suite.displayFile}:${p.case.location.line}`, label: p.case.name });
  }
  return reads;
}

/** A check of a compliance control (src/compliance/types.ts Check), structurally. */
export type CheckLike =
  | { kind: 'path'; path: string; attrPath?: readonly PathSegment[]; location?: { file: string; line: number } }
  | { kind: 'anyOf'; anyOf: readonly CheckLike[] }
  | { kind: 'allOf'; allOf: readonly CheckLike[] }
  | { kind: 'alternatives'; alternatives: readonly CheckLike[] };

export interface ControlLike {
  id: string;
  checks: readonly CheckLike[];
  appliesWhen: readonly CheckLike[];
  location: { file: string; line: number };
}

/**
 * Every config path a control's `checks` and `appliesWhen` read (anyOf/allOf branches and
 * alternatives included), located at the check when it has a location, else at the control.
 */
export function readsFromControls(controls: readonly ControlLike[]): CoverageRead[] {
  const reads: CoverageRead[] = [];
  const visit = (control: ControlLike, check: CheckLike): void => {
    if (check.kind === 'anyOf') return check.anyOf.forEach((c) => visit(control, c));
    if (check.kind === 'allOf') return check.allOf.forEach((c) => visit(control, c));
    if (check.kind === 'alternatives') return check.alternatives.forEach((c) => visit(control, c));
    const path = check.attrPath ? check.attrPath.map(String) : parseAttrPath(check.path);
    const at = check.location ?? control.location;
    if (path.length > 0) reads.push({ path, by: 'control', where: `${at.file}:${at.line}`, label: control.id });
  };
  for (const control of controls) {
    for (const check of control.appliesWhen) visit(control, check);
    for (const check of control.checks) visit(control, check);
  }
  return reads;
}
