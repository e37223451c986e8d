/**
 * Runtime compliance checks in VMs: one NixOS VM test per host runs every `runtime:`
 * command of the selected controls; the records come back through the driver log and
 * merge into the static verdicts (src/compliance/runtime-verdicts.ts).
 */
import { join } from 'node:path';
import { readCheckOutput, type CheckRun } from '../shell/check-command.js';
import { runVmTests, type RunVmOptions } from '../vm/driver/run.js';
import { compileRuntimeChecks, type RuntimeRecord } from '../vm/runtime-checks/index.js';
import type { ControlResult } from './evaluate-controls.js';
import { mergeRuntimeRuns, type SystemRuns } from './runtime-verdicts.js';
import type { Control } from './types.js';

/** Seconds each command may run inside the VM. */
const VM_COMMAND_TIMEOUT_S = 120;

export interface RuntimeOptions {
  flakeRef: string;
  /** Artifacts root (reports/vm). */
  outDir: string;
  timeoutMs?: number;
  /** A stand-in for the NixOS test driver (nixcheck's own tests). */
  driverCommand?: RunVmOptions['driverCommand'];
}

function checkRun(record: RuntimeRecord): CheckRun {
  return { exitCode: record.exitCode, ...readCheckOutput(record.stdout), ...(record.error ? { error: record.error } : {}) };
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
      { flakeRef: options.flakeRef, commandTimeoutS: VM_COMMAND_TIMEOUT_S },
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
  const systems = tests.map(({ host }, i): SystemRuns => {
    const run = runs[i]!;
    const last = run.attempts[run.attempts.length - 1];
    const records = last?.log.runtime ?? [];
    const problem = run.notRun ? run.notRun.message : records.length === 0 ? `the VM run produced no runtime results (see ${join(run.artifactsDir, 'driver.log')})` : undefined;
    const byControl = new Map(withRuntime.map((c) => [c.id, records.filter((x) => x.controlId === c.id).map(checkRun)]));
    return { host, runs: byControl, timeoutS: VM_COMMAND_TIMEOUT_S, ...(problem ? { problem } : {}) };
  });
  return mergeRuntimeRuns(controls, results, systems);
}
