/**
 * Static compliance checks: every check of every selected control, for every host,
 * through the same batched engine as suites (one evaluation per host), then a verdict
 * per control and host with the evidence behind it.
 */
import { resolveEvidence } from '../evidence/evidence.js';
import { addFullEvidence } from '../evidence/overridden.js';
import type { SourceLocator } from '../evidence/source-locator.js';
import type { Evaluator } from '../nix/evaluator.js';
import type { Evidence } from '../result/model.js';
import { evaluateAll, type EvalRequest, type EvaluationStats } from '../run/evaluate-all.js';
import type { RunEvents } from '../run/events.js';
import type { ResolvedTarget } from '../target/resolve-target.js';
import type { SourceLocation } from '../util/errors.js';
import { resolveAlternatives } from './alternatives.js';
import { decisionChecks, pathChecks } from './catalogue.js';
import { controlVerdict, judgeCheck } from './control-verdict.js';
import type { Drift, RuntimeCheckResult } from './runtime-verdicts.js';
import type { Control, ControlVerdict, DecisionCheck, PathCheck } from './types.js';

/** Where the value a check judged came from. */
export type ValueSource =
  /** a module of the user's set it */
  | 'user'
  /** nobody set it: the option's declared default (NixOS's) applies */
  | 'default'
  /** only NixOS's own modules set it (a mkDefault in nixpkgs, say) */
  | 'upstream'
  /** the path does not exist; the control documents the effective default (kernel, systemd...) */
  | 'documented-default'
  /** no option is declared at the path, and the check (`ifDeclared`) holds vacuously */
  | 'undeclared'
  | 'unknown';

export interface CheckResult {
  path: string;
  location: SourceLocation;
  status: 'pass' | 'fail' | 'error';
  exists: boolean;
  value?: unknown;
  valueSource: ValueSource;
  /** Whose default a documented default is. */
  note?: string;
  reason?: string;
  error?: string;
  evidence?: Evidence;
  /** When the check names alternatives: all of them, and why the ones before `path` were passed over. */
  alternatives?: { paths: string[]; passedOver: { path: string; reason: string }[] };
}

export interface ControlResult extends ControlVerdict {
  title: string;
  applicability: CheckResult[];
  checks: CheckResult[];
  /** The check a fail or error verdict comes from (following allOf/anyOf), as an index into `checks` or `applicability`. */
  decidedBy?: { list: 'checks' | 'applicability'; index: number };
  /** Results of the control's runtime checks (in a VM, or on the live target), when they ran. */
  runtime?: RuntimeCheckResult[];
  /** The live target the runtime checks ran on (`ssh://...`, `local`). */
  target?: string;
  /** Values the running system has that differ from what the flake evaluates to. */
  drift?: Drift[];
}

export interface EvaluateControlsOptions {
  evaluator: Evaluator;
  jobs: number;
  events: RunEvents;
  locator: SourceLocator;
}

export async function evaluateControls(
  controls: readonly Control[],
  hosts: readonly { host: string; target: ResolvedTarget }[],
  options: EvaluateControlsOptions,
): Promise<{ results: ControlResult[]; stats: EvaluationStats[]; nixVersion: string | null; entryFiles: Record<string, string> }> {
  // One request per distinct path and host: controls share paths (sshd settings, sysctls).
  const requests: EvalRequest[] = [];
  const index = new Map<string, number>();
  const requestFor = (host: string, target: ResolvedTarget, check: PathCheck) => {
    const key = `${host}\u0000${JSON.stringify(check.attrPath)}`;
    if (!index.has(key)) {
      index.set(key, requests.length);
      requests.push({ target, item: { variant: { config: null, priority: 100 }, root: 'config', path: check.attrPath, evidence: true } });
    }
    return index.get(key)!;
  };
  for (const { host, target } of hosts) {
    for (const control of controls) {
      for (const check of [...pathChecks(control.appliesWhen), ...pathChecks(control.checks)]) requestFor(host, target, check);
    }
    requestFor(host, target, HOST_NAME_CHECK);
  }
  options.events.emit({ type: 'run-start', cases: controls.length * hosts.length, targets: hosts.length });
  const { answers, stats, nixVersion } = await evaluateAll(requests, options.evaluator, options.jobs, options.events);
  const indexOf = (host: string, check: PathCheck) => index.get(`${host}\u0000${JSON.stringify(check.attrPath)}`)!;

  // A failing check's report explains its value: look for what that value overrode too.
  const explained = [
    ...new Set(
      hosts.flatMap(({ host }) =>
        controls.flatMap((control) =>
          pathChecks(control.checks).flatMap((check) => {
            const i = indexOf(host, check);
            const o = answers[i]!.outcome;
            return o.status === 'value' && o.exists && o.evidence && judgeCheck(check, o, undefined).status === 'fail' ? [i] : [];
          }),
        ),
      ),
    ),
  ];
  await addFullEvidence(requests, answers, explained, options.evaluator, options.jobs, stats);

  const evidenceCache = new Map<number, Promise<Evidence | undefined>>();
  const evidenceOf = (i: number): Promise<Evidence | undefined> => {
    let e = evidenceCache.get(i);
    if (!e) {
      const o = answers[i]!.outcome;
      e = o.status === 'value' && o.exists && o.evidence ? resolveEvidence(o.evidence, options.locator) : Promise.resolve(undefined);
      evidenceCache.set(i, e);
    }
    return e;
  };
  const judgePath = async (host: string, check: PathCheck): Promise<CheckResult> => {
    const i = indexOf(host, check);
    return judgeCheck(check, answers[i]!.outcome, await evidenceOf(i));
  };
  const judge = (host: string, check: DecisionCheck): Promise<CheckResult> =>
    check.kind === 'path'
      ? judgePath(host, check)
      : resolveAlternatives(check, (a) => answers[indexOf(host, a)]!.outcome, (a) => judgePath(host, a));

  const results: ControlResult[] = [];
  for (const { host } of hosts) {
    for (const control of controls) {
      const applicability = await Promise.all(decisionChecks(control.appliesWhen).map((c) => judge(host, c)));
      const checks = await Promise.all(decisionChecks(control.checks).map((c) => judge(host, c)));
      const byCheck = new Map<DecisionCheck, CheckResult>();
      decisionChecks(control.appliesWhen).forEach((c, k) => byCheck.set(c, applicability[k]!));
      decisionChecks(control.checks).forEach((c, k) => byCheck.set(c, checks[k]!));
      const { status, message, decidedBy } = controlVerdict(control, byCheck, applicability, checks);
      results.push({
        controlId: control.id,
        title: control.title,
        host,
        status,
        severity: control.severity,
        impact: control.impact,
        refs: control.refs,
        ...(message ? { message } : {}),
        applicability,
        checks,
        ...(decidedBy ? { decidedBy } : {}),
      });
    }
  }
  const entryFiles: Record<string, string> = {};
  for (const { host } of hosts) {
    const i = indexOf(host, HOST_NAME_CHECK);
    const file = (await evidenceOf(i))?.definitions[0]?.localFile;
    if (file) entryFiles[host] = file;
  }
  return { results, stats, nixVersion, entryFiles };
}

/**
 * The file that sets `networking.hostName` is, in practice, the host's own entry file:
 * where a failing NixOS default is reported, since no line of the user's set it.
 */
const HOST_NAME_CHECK: PathCheck = {
  kind: 'path',
  path: 'networking.hostName',
  attrPath: ['networking', 'hostName'],
  matchers: {},
  location: { file: '', line: 1, column: 1 },
};
