/**
 * Runtime compliance checks on live targets (`comply --target`): the runtime checks of the
 * selected controls run on each target in one session (src/live/), never those marked
 * `unsafe`, never those of controls its flake host makes not applicable; the verdicts merge
 * into that host's static ones, or stand alone for a target with no flake host.
 */
import pLimit from 'p-limit';
import { runOnTarget, type RunTargetOptions } from '../live/run-target.js';
import type { LiveTarget } from '../live/target.js';
import type { CheckRun } from '../shell/check-command.js';
import type { ControlResult } from './evaluate-controls.js';
import { mergeRuntimeRuns, type NotRun, type SystemRuns } from './runtime-verdicts.js';
import type { Control } from './types.js';

export interface LiveOptions extends Omit<RunTargetOptions, 'signal'> {
  /** Paired with their flake hosts already (pairTargets). */
  targets: LiveTarget[];
  /** Targets checked at once. */
  jobs: number;
}

/** What happened on each target, for the report. */
export interface LiveTargetInfo {
  target: string;
  durationMs: number;
  /** The session did not complete: every check it did not reach is an error. */
  error?: string;
}

const UNSAFE: NotRun = { notRun: 'marked unsafe (it changes the system), so it runs only in VMs' };

/** A runtime-checkable control on a target with no flake host: the runtime checks decide. */
function liveOnlyResult(control: Control, target: string): ControlResult {
  return {
    controlId: control.id,
    title: control.title,
    host: target,
    status: 'manual',
    severity: control.severity,
    impact: control.impact,
    refs: control.refs,
    applicability: [],
    checks: [],
  };
}

export async function runLiveChecks(
  controls: readonly Control[],
  staticResults: readonly ControlResult[],
  options: LiveOptions,
): Promise<{ results: ControlResult[]; targets: Map<string, LiveTargetInfo> }> {
  const withRuntime = controls.filter((c) => c.runtime.length > 0);
  const results = [
    ...staticResults,
    ...options.targets.filter((t) => !t.host).flatMap((t) => withRuntime.map((c) => liveOnlyResult(c, t.label))),
  ];
  const limit = pLimit(Math.max(1, options.jobs));
  const infos = new Map<string, LiveTargetInfo>();
  const systems = await Promise.all(
    options.targets.map((target) =>
      limit(async (): Promise<SystemRuns> => {
        const host = target.host ?? target.label;
        const applicable = withRuntime.filter((c) => results.find((r) => r.host === host && r.controlId === c.id)?.status !== 'not-applicable');
        const planned = applicable.flatMap((c) => c.runtime.filter((check) => !check.unsafe).map((check) => check.command));
        const run = await runOnTarget(target, planned, options);
        infos.set(host, { target: target.label, durationMs: run.durationMs, ...(run.problem ? { error: run.problem } : {}) });
        let next = 0;
        const runs = new Map(
          applicable.map((c) => [c.id, c.runtime.map((check): CheckRun | NotRun | undefined => (check.unsafe ? UNSAFE : run.runs[next++]))]),
        );
        const nothingRan = planned.length > 0 && run.runs.every((r) => r.exitCode === null);
        return { host, target: target.label, runs, timeoutS: options.commandTimeoutS, ...(nothingRan && run.problem ? { problem: run.problem } : {}) };
      }),
    ),
  );
  return { results: mergeRuntimeRuns(controls, results, systems), targets: infos };
}
