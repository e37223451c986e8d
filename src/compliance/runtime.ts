/**
 * Runtime compliance checks: one NixOS VM test per host runs every `runtime:` command of
 * the selected controls; the matchers judge the trimmed stdout and the statuses merge
 * into the static verdicts (a runtime-only `manual` control becomes pass or fail; a
 * static pass that the running system contradicts becomes fail).
 */
import { join } from 'node:path';
import { match } from '../match/matchers.js';
import { runVmTests, type RunVmOptions } from '../vm/driver/run.js';
import { compileRuntimeChecks, type RuntimeRecord } from '../vm/runtime-checks/index.js';
import type { ControlResult } from './evaluate-controls.js';
import type { Control, ControlStatus } from './types.js';

export type RuntimeCheckResult = NonNullable<ControlResult['runtime']>[number];

export interface RuntimeOptions {
  flakeRef: string;
  /** Artifacts root (reports/vm). */
  outDir: string;
  timeoutMs?: number;
  /** A stand-in for the NixOS test driver (nixcheck's own tests). */
  driverCommand?: RunVmOptions['driverCommand'];
}

export async function runRuntimeChecks(
  controls: readonly Control[],
  results: readonly ControlResult[],
  hosts: readonly string[],
  options: RuntimeOptions,
): Promise<ControlResult[]> {
  const withRuntime = controls.filter((c) => c.runtime.length > 0);
  if (withRuntime.length === 0) return [...results];
  const tests = hosts.map((host) => ({
    host,
    test: compileRuntimeChecks(
      host,
      withRuntime.flatMap((c) => c.runtime.map((r) => ({ controlId: c.id, command: r.command, location: r.location }))),
      { flakeRef: options.flakeRef },
    ),
  }));
  const runs = await runVmTests(
    tests.map((t) => t.test),
    {
      flakeRef: options.flakeRef,
      outDir: options.outDir,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.driverCommand ? { driverCommand: options.driverCommand } : {}),
    },
    (_test, attempt) => attempt.log.runtime.length > 0,
  );
  const recordsByHost = new Map<string, { records: RuntimeRecord[]; problem?: string }>();
  tests.forEach(({ host }, i) => {
    const run = runs[i]!;
    const last = run.attempts[run.attempts.length - 1];
    const problem = run.notRun ? run.notRun.message : last && last.log.runtime.length === 0 ? `the VM run produced no runtime results (see ${join(run.artifactsDir, 'driver.log')})` : undefined;
    recordsByHost.set(host, { records: last?.log.runtime ?? [], ...(problem ? { problem } : {}) });
  });

  const byId = new Map(withRuntime.map((c) => [c.id, c]));
  return results.map((r) => {
    const control = byId.get(r.controlId);
    const host = recordsByHost.get(r.host);
    if (!control || !host || r.status === 'not-applicable') return r;
    if (host.problem) return { ...r, message: [r.message, `runtime checks did not run: ${host.problem}`].filter(Boolean).join('; ') };
    const runtime = control.runtime.map((check, k): RuntimeCheckResult => {
      const record = host.records.filter((x) => x.controlId === control.id)[k];
      if (!record || record.exitCode === null) {
        return { command: check.command, status: 'error', exitCode: null, stdout: '', reason: record?.error ?? 'no result' };
      }
      const stdout = record.stdout.trim();
      const outcome = match(check.expect, { kind: 'value', exists: true, value: stdout, type: 'string' }, { numericStrings: true });
      return { command: check.command, status: outcome.pass ? 'pass' : 'fail', exitCode: record.exitCode, stdout, ...(outcome.reason ? { reason: outcome.reason } : {}) };
    });
    const runtimeStatus: 'pass' | 'fail' | 'error' = runtime.some((x) => x.status === 'fail') ? 'fail' : runtime.some((x) => x.status === 'error') ? 'error' : 'pass';
    const status: ControlStatus = r.status === 'manual' ? runtimeStatus : r.status === 'pass' ? runtimeStatus : r.status;
    const failed = runtime.find((x) => x.status !== 'pass');
    const message = failed ? `runtime: \`${failed.command}\` printed ${JSON.stringify(failed.stdout.slice(0, 120))}: ${failed.reason ?? ''}` : r.message;
    return { ...r, status, runtime, ...(message ? { message } : {}) };
  });
}
