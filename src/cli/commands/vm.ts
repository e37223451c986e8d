import { join, resolve } from 'node:path';
import { loadConfig, type LoadedConfig } from '../../config/config.js';
import { defaultCacheDir } from '../../nix/eval-cache.js';
import { resolveFlake } from '../../nix/flake-ref.js';
import { jsonReporter } from '../../report/json-reporter.js';
import { junitReporter } from '../../report/junit-reporter.js';
import type { Reporter } from '../../report/reporter.js';
import { terminalReporter } from '../../report/terminal-reporter.js';
import type { CaseResult, RunResult } from '../../result/model.js';
import { buildRunResult } from '../../run/run-result.js';
import { writeReports } from '../../run/test-run.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { EXIT, InputError } from '../../util/errors.js';
import { compileChaosScenario, loadChaosSuites, runChaosScenarios } from '../../vm/chaos/index.js';
import type { CompiledVmTest, ProgressEvent } from '../../vm/driver/types.js';
import { recordCosts } from '../../shard/cost-record.js';
import { byName, selectShard, shardInfo, type ShardInfo } from '../../shard/select.js';
import { compileIntegrationTest, flakeCheck, loadIntegrationSuites, runIntegrationTestsByTest, vmTestDurations, vmTestId } from '../../vm/integration/index.js';
import { vmPreflight, type VmPreflightReport } from '../../vm/preflight.js';
import { listFlag, pathsFlag, type Command, type FlagSpec } from '../command.js';
import { secondsFlag } from '../../util/duration.js';
import { wholeNumber } from '../evaluation-flags.js';
import { SHARD_FLAGS, shardRequest } from '../shard-flags.js';

const RUN_FLAGS: FlagSpec[] = [
  { name: 'flake', type: 'string', value: 'REF', description: 'Flake whose hosts the VMs boot. Default: `flake` in nixcheck.yaml.' },
  { name: 'suite', type: 'string', multiple: true, value: 'GLOB', description: 'Suite files (repeatable; a comma is part of the name). Default: suites/integration/*.yaml (vm) or suites/chaos/*.yaml (chaos).' },
  { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'Report directory; VM artifacts go to DIR/vm/<test>/. Default: reports/.' },
  { name: 'timeout', type: 'string', value: 'SECONDS', description: 'Per test, when the test sets none. Default: 1800.' },
  { name: 'global-timeout', type: 'string', value: 'SECONDS', description: 'For the whole run; tests not started by then are reported, not run.' },
  { name: 'config', short: 'c', type: 'string', value: 'FILE', description: 'Configuration file. Default: ./nixcheck.yaml when present.' },
];

const DRIVER_FLAG: FlagSpec = {
  name: 'driver',
  type: 'string',
  value: 'CMD',
  description: "Run CMD (split on spaces) instead of building and running the NixOS test driver: a stand-in, for testing nixcheck's own runner. No VM boots.",
};

/** The stand-in driver's argv, or undefined: then the machine must be able to run VMs. */
async function driverCommand(values: Record<string, unknown>): Promise<string[] | undefined> {
  const standIn = (values.driver as string | undefined)?.split(' ').filter(Boolean);
  if (!standIn) await requireKvm();
  return standIn;
}

interface VmContext {
  config: LoadedConfig;
  flakeRef: string;
  suites: string[];
  baseDir: string;
  outDir: string;
}

async function context(values: Record<string, unknown>, defaultSuite: string): Promise<VmContext> {
  const config = await loadConfig(values.config as string | undefined);
  const cwd = process.cwd();
  const flake = (values.flake as string | undefined) ?? config.flake;
  if (!flake) throw new InputError('no flake: pass --flake or set `flake:` in nixcheck.yaml');
  const flagSuites = pathsFlag(values.suite);
  return {
    config,
    flakeRef: resolveFlake(flake, cwd).ref,
    suites: flagSuites ?? [resolve(config.baseDir, defaultSuite)],
    baseDir: cwd,
    outDir: values.out ? resolve(cwd, values.out as string) : config.out,
  };
}

function formatPreflight(report: VmPreflightReport): string {
  const lines = [
    `Nix: ${report.nixVersion ?? 'not found'}`,
    `/dev/kvm: ${report.kvm.exists ? (report.kvm.readWrite ? 'present, read/write' : 'present, NOT accessible') : 'absent'}`,
    `system-features: ${report.systemFeatures ? report.systemFeatures.join(' ') : 'unknown'}`,
  ];
  for (const p of report.problems) lines.push(`${p.severity.toUpperCase()} ${p.id}: ${p.message}\n  fix: ${p.fix}`);
  lines.push(report.ok ? 'VM tests can run here.' : 'VM tests cannot run here.');
  return lines.join('\n') + '\n';
}

/** Generated test.nix and testScript.py, for reading and for `nix build` by hand. */
async function writeCompiled(tests: CompiledVmTest[], outDir: string): Promise<void> {
  for (const t of tests) {
    await writeFileAtomic(join(outDir, 'vm', t.slug, 'test.nix'), t.nix);
    await writeFileAtomic(join(outDir, 'vm', t.slug, 'testScript.py'), t.python);
    process.stdout.write(`${join(outDir, 'vm', t.slug)}/ (${t.nodes.map((n) => `${n.name}=${n.host}`).join(', ')}; ${t.steps.length} steps)\n`);
  }
}

function progressPrinter(): (event: ProgressEvent) => void {
  return (event) => {
    if (event.phase === 'line' || event.phase === 'step-begin') return;
    process.stderr.write(`[${event.test}] ${event.phase}${event.title ? ` ${event.title}` : ''}${event.verdict ? `: ${event.verdict}` : ''}\n`);
  };
}

/** What a VM or chaos run writes: `<prefix>-results.json` and `<prefix>-junit.xml`, and the terminal summary. */
export function vmReporters(prefix: 'vm' | 'chaos'): Reporter[] {
  return [terminalReporter(), jsonReporter(`${prefix}-results.json`), junitReporter(`${prefix}-junit.xml`)];
}

async function report(cases: CaseResult[], started: number, startedAt: Date, flakeRef: string, outDir: string, prefix: 'vm' | 'chaos', shard?: ShardInfo): Promise<number> {
  const result = buildRunResult({ cases, startedAt, durationMs: performance.now() - started, nixVersion: null, flake: flakeRef, ...(shard ? { shard } : {}) });
  const reporters = vmReporters(prefix);
  const { failures } = await writeReports(result, reporters, outDir);
  for (const f of failures) process.stderr.write(`nixcheck: ${f}\n`);
  if (failures.length) return EXIT.infrastructure;
  return vmExitCode(result);
}

/** 1 when a VM test step failed or errored. */
export function vmExitCode(result: RunResult): number {
  return result.summary.fail + result.summary.error > 0 ? EXIT.failures : EXIT.ok;
}

/** `--builders SPEC` and `--nix-option NAME=VALUE`, as Nix settings for `nix build`. */
function nixOptions(values: Record<string, unknown>): [string, string][] {
  const options: [string, string][] = [];
  if (values.builders !== undefined) options.push(['builders', values.builders as string]);
  for (const setting of (values['nix-option'] as string[] | undefined) ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9-]*)=(.*)$/s.exec(setting);
    if (!m) throw new InputError(`--nix-option expects NAME=VALUE (a Nix setting, e.g. max-jobs=0), got ${JSON.stringify(setting)}`);
    options.push([m[1]!, m[2]!]);
  }
  return options;
}

async function requireKvm(): Promise<void> {
  const preflight = await vmPreflight();
  if (!preflight.ok) {
    process.stderr.write(formatPreflight(preflight));
    throw Object.assign(new Error('the VM preflight failed'), { exitCode: EXIT.infrastructure });
  }
}

export const vmCommand: Command = {
  name: 'vm',
  summary: 'NixOS VM integration tests: `vm preflight`, `vm compile`, `vm run`',
  usage: 'nixcheck vm preflight [--json] | vm compile [--suite GLOB]... | vm run [--suite GLOB]... [--check NAME]... [flags]',
  flags: [
    ...RUN_FLAGS,
    { name: 'check', type: 'string', multiple: true, value: 'NAME', description: 'Also run the flake\'s own checks.<system>.NAME VM tests.' },
    { name: 'retries', type: 'string', value: 'N', description: 'Run a failing test again up to N times; a later pass is marked flaky.' },
    { name: 'json', type: 'boolean', description: 'With preflight: print JSON.' },
    DRIVER_FLAG,
    { name: 'builders', type: 'string', value: 'SPEC', description: "Nix remote builders for building the VM tests (Nix's `builders` setting); the VMs still run here." },
    { name: 'nix-option', type: 'string', multiple: true, value: 'NAME=VALUE', description: 'Another Nix setting for those builds (repeatable), e.g. max-jobs=0 to build on the remote builders only.' },
    ...SHARD_FLAGS,
  ],
  async run(values, positionals) {
    const action = positionals[0];
    if (action === 'preflight') {
      const preflight = await vmPreflight();
      process.stdout.write(values.json ? JSON.stringify(preflight, null, 2) + '\n' : formatPreflight(preflight));
      return preflight.ok ? EXIT.ok : EXIT.infrastructure;
    }
    if (action !== 'compile' && action !== 'run') throw new InputError(`usage: ${vmCommand.usage}`);
    const ctx = await context(values, 'suites/integration/*.yaml');
    const tests = await loadIntegrationSuites(ctx.suites, ctx.baseDir);
    if (action === 'compile') {
      await writeCompiled(tests.filter((t) => !t.skip).map((t) => compileIntegrationTest(t, { flakeRef: ctx.flakeRef })), ctx.outDir);
      return EXIT.ok;
    }
    // Flags first: a bad flag is a usage error even where KVM is missing.
    const settings = nixOptions(values);
    const cacheDir = ctx.config.cacheDir ?? defaultCacheDir();
    const shard = await shardRequest(values, 'vm', cacheDir, ctx.baseDir);
    const standIn = await driverCommand(values);
    const started = performance.now();
    const startedAt = new Date();
    const checks = (listFlag(values.check) ?? []).map((name) => flakeCheck(name));
    const retries = wholeNumber(values.retries, '--retries', 0);
    const timeout = secondsFlag(values.timeout, '--timeout');
    const globalTimeout = secondsFlag(values['global-timeout'], '--global-timeout');
    const all = [...tests, ...checks];
    const selection = shard ? selectShard(all, (t) => byName(vmTestId(t)), shard) : undefined;
    const selected = selection?.items ?? all;
    const byTest = await runIntegrationTestsByTest(selected, {
      flakeRef: ctx.flakeRef,
      outDir: join(ctx.outDir, 'vm'),
      ...(timeout ? { timeoutMs: timeout * 1000 } : {}),
      ...(globalTimeout ? { globalTimeoutMs: globalTimeout * 1000 } : {}),
      ...(retries !== undefined ? { retries } : {}),
      ...(standIn ? { driverCommand: standIn } : {}),
      ...(settings.length ? { nixOptions: settings } : {}),
      onProgress: progressPrinter(),
    });
    // Shards only read the record: every shard of a run must split with the same costs.
    if (!shard) await recordCosts(cacheDir, 'vm', vmTestDurations(byTest.map((cases, k) => ({ id: vmTestId(selected[k]!), cases }))));
    const order = selection ? byTest.flatMap((cases, k) => cases.map(() => selection.positions[k]!)) : [];
    return report(byTest.flat(), started, startedAt, ctx.flakeRef, ctx.outDir, 'vm', selection ? shardInfo(shard!, selection, order) : undefined);
  },
};

export const chaosCommand: Command = {
  name: 'chaos',
  summary: 'chaos scenarios in NixOS VMs, scored by whether the steady state comes back: `chaos compile`, `chaos run`',
  usage: 'nixcheck chaos compile|run [--suite GLOB]... [flags]',
  flags: [...RUN_FLAGS, DRIVER_FLAG],
  async run(values, positionals) {
    const action = positionals[0];
    if (action !== 'compile' && action !== 'run') throw new InputError(`usage: ${chaosCommand.usage}`);
    const ctx = await context(values, 'suites/chaos/*.yaml');
    const scenarios = await loadChaosSuites(ctx.suites, ctx.baseDir);
    if (action === 'compile') {
      await writeCompiled(scenarios.filter((s) => !s.skip).map((s) => compileChaosScenario(s, { flakeRef: ctx.flakeRef })), ctx.outDir);
      return EXIT.ok;
    }
    const standIn = await driverCommand(values);
    const started = performance.now();
    const startedAt = new Date();
    const timeout = secondsFlag(values.timeout, '--timeout');
    const globalTimeout = secondsFlag(values['global-timeout'], '--global-timeout');
    const { cases, resilience } = await runChaosScenarios(scenarios, {
      flakeRef: ctx.flakeRef,
      outDir: join(ctx.outDir, 'vm'),
      ...(timeout ? { timeoutMs: timeout * 1000 } : {}),
      ...(globalTimeout ? { globalTimeoutMs: globalTimeout * 1000 } : {}),
      ...(standIn ? { driverCommand: standIn } : {}),
      onProgress: progressPrinter(),
    });
    for (const r of resilience) {
      process.stdout.write(`resilience ${r.host}: ${r.score === null ? 'n/a' : `${r.score.toFixed(1)}%`} (${r.recovered}/${r.scenarios} recovered${r.excluded ? `, ${r.excluded} excluded` : ''})\n`);
    }
    return report(cases, started, startedAt, ctx.flakeRef, ctx.outDir, 'chaos');
  },
};
