/**
 * `npm run bench`: nixcheck against the alternatives, measured side by side in one run.
 *
 * 1. Module authors (bench/module-workload.ts): a directory of suites with 300 checks
 *    over 100 module lists, a third or more expecting an error, measured as
 *    - one process per check, the way shell-script suites run them
 *      (`nix-instantiate --eval --json -E ... -A path`, a regex on the output);
 *    - nixcheck cold (empty cache) and warm (the same run again);
 *    with every verdict asserted identical; then the same at 100 and 1,000 checks (at
 *    1,000, the one-process way is sampled and extrapolated, and says so).
 *    Targets: cold <= 0.1x one process per check, warm <= 0.02x.
 * 2. NixOS-sized hosts (and the tiny offline example flake, where fixed costs dominate):
 *    4 hosts, 500+ generated assertions about values that exist, measured as nixcheck
 *    cold (with the default jobs and with --jobs 1), warm, one `nix eval` per assertion
 *    (sampled), and one hand-written `nix eval --json` of exactly the same values (the
 *    floor). Targets: cold <= 1.2x the floor, also with --jobs 1; warm <= 0.1x; one
 *    process per assertion >= 20x cold.
 * nixcheck's times are those of the API call in this process, as a test runner makes it
 * (the same as before this benchmark had the module workload). Each workload also runs
 * nixcheck once cold and once warm in a process of its own (bench/nixcheck-child.ts)
 * for its peak memory apart from the benchmark's (target: <= 250 MB). Nix processes
 * running at once are sampled in every run (target: never more than --jobs).
 * BENCH_WORKLOADS=modules (or hosts) runs one workload; BENCH_ROUNDS, BENCH_MODULE_CHECKS,
 * BENCH_MODULE_GROWTH, BENCH_ASSERTIONS and BENCH_MODULES change the sizes.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { defaultJobs } from '../src/config/config.js';
import { NIX_FEATURE_ARGS, nixBinary } from '../src/nix/nix-cli.js';
import { runTests, type TestRunOptions } from '../src/run/test-run.js';
import { formatAttrPath } from '../src/suite/attr-path.js';
import { runCheckInOwnProcess, writeModuleWorkload, type Check } from './module-workload.js';
import { writeSyntheticFlake } from './synthetic-hosts.js';

const REPO = resolve(import.meta.dirname, '..');
const HOSTS = ['laptop', 'desktop', 'k3s-node', 'bare'];
const MIN_ASSERTIONS = Number(process.env.BENCH_ASSERTIONS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SYNTHETIC_MODULES = Number(process.env.BENCH_MODULES ?? 1500);
const MODULE_CHECKS = Number(process.env.BENCH_MODULE_CHECKS ?? 300);
const GROWTH = (process.env.BENCH_MODULE_GROWTH ?? '100,1000').split(',').filter(Boolean).map(Number);
/** Checks run one process each at most, per size; more are sampled evenly and extrapolated. */
const ONE_PROCESS_SAMPLE = Number(process.env.BENCH_ONE_PROCESS_SAMPLE ?? 300);
/** Which workloads to run: `modules`, `hosts` (default: both). */
const WORKLOADS = new Set((process.env.BENCH_WORKLOADS ?? 'modules,hosts').split(','));
const JOBS = defaultJobs();
const MAX_RSS_BYTES = 250 * 1024 * 1024;

const ROOT_WORK = mkdtempSync(join(tmpdir(), 'nixcheck-bench-'));

// --- nixcheck, in this process and in a process of its own -----------------------------

interface Run {
  ms: number;
  summary: { total: number; pass: number; fail: number; error: number; skip: number };
  verdicts: Record<string, string>;
  nixStarted: boolean;
}

type RunOptions = Omit<TestRunOptions, 'reporters'>;

/** Measured in a process of its own per workload: peak memory, the most Nix processes at once. */
const resources: { label: string; jobs: number; peakNix: number; maxRssBytes: number }[] = [];

/** The API call in this process, as a test runner makes it: what the targets are about. */
async function nixcheck(options: RunOptions): Promise<Run> {
  const started = performance.now();
  const result = await runTests({ ...options, reporters: [] });
  return {
    ms: performance.now() - started,
    summary: result.summary,
    verdicts: Object.fromEntries(result.cases.map((c) => [c.name, c.verdict])),
    nixStarted: result.evaluations.some((e) => e.processes > 0),
  };
}

/**
 * The same run in a process of its own (bench/nixcheck-child.ts), for its peak memory
 * apart from the benchmark's (with tsx's, which compiles the sources on the fly: an
 * upper bound of the built command's), and the most Nix processes it ran at once
 * (sampled every 25 ms; not in the timed runs, where sampling would slow nixcheck down).
 */
async function nixcheckProcess(label: string, options: RunOptions): Promise<void> {
  const child = execa(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'nixcheck-child.ts'), JSON.stringify(options)], { cwd: REPO });
  let peakNix = 0;
  const sampler = setInterval(() => (peakNix = Math.max(peakNix, nixChildren(child.pid!))), 25);
  try {
    const { maxRssBytes } = JSON.parse(String((await child).stdout).trim().split('\n').at(-1)!) as { maxRssBytes: number };
    resources.push({ label, jobs: options.jobs, peakNix, maxRssBytes });
  } finally {
    clearInterval(sampler);
  }
}

/** Children of `pid` named nix (Linux: /proc/PID/task/PID/children). */
function nixChildren(pid: number): number {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean);
    return children.filter((child) => {
      try {
        return readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'nix';
      } catch {
        return false; // gone meanwhile
      }
    }).length;
  } catch {
    return 0;
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// --- module authors ----------------------------------------------------------------------

interface ModuleMeasured {
  checks: number;
  lists: number;
  expectedErrors: number;
  notPassing: number;
  oneProcess: number;
  oneProcessSampled: number;
  cold: number;
  warm: number;
}

async function measureModules(checks: number): Promise<ModuleMeasured> {
  const dir = mkdtempSync(join(ROOT_WORK, `modules-${checks}-`));
  const w = writeModuleWorkload(REPO, dir, checks);
  // A module's repository: the cache covers what its git work tree holds.
  await execa('git', ['init', '-q', dir]);
  // Cache and reports outside the work tree: they are not the module's sources.
  const outside = mkdtempSync(join(ROOT_WORK, 'out-'));
  const options = (cacheDir: string): RunOptions => ({ baseDir: dir, suites: [w.suiteGlob], hostsAttr: 'nixosConfigurations', jobs: JOBS, timeoutMs: 600_000, cacheDir, outDir: join(outside, 'reports') });

  const step = Math.max(1, Math.ceil(w.checks.length / ONE_PROCESS_SAMPLE));
  const sample = w.checks.filter((_, i) => i % step === 0);
  const oneProcessVerdicts = new Map<Check, string>();
  const started = performance.now();
  for (const check of sample) oneProcessVerdicts.set(check, await runCheckInOwnProcess(check, w.lib));
  const oneProcess = ((performance.now() - started) / sample.length) * w.checks.length;

  const cold: number[] = [];
  const warm: number[] = [];
  let notPassing = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const cacheDir = mkdtempSync(join(outside, 'cache-'));
    const first = await nixcheck(options(cacheDir));
    const second = await nixcheck(options(cacheDir));
    if (second.nixStarted) throw new Error('bench: the warm run started a Nix process');
    for (const run of [first, second]) {
      if (run.summary.total !== w.checks.length) throw new Error(`bench: nixcheck ran ${run.summary.total} checks, not ${w.checks.length}`);
      for (const [check, verdict] of oneProcessVerdicts) {
        if (run.verdicts[check.name] !== verdict) {
          throw new Error(`bench: verdicts differ on "${check.name}": one process per check says ${verdict}, nixcheck says ${run.verdicts[check.name]}`);
        }
      }
    }
    cold.push(first.ms);
    warm.push(second.ms);
    notPassing = first.summary.fail + first.summary.error;
  }
  const cacheDir = mkdtempSync(join(outside, 'cache-'));
  await nixcheckProcess(`modules ${checks}, cold`, options(cacheDir));
  await nixcheckProcess(`modules ${checks}, warm`, options(cacheDir));
  return { checks: w.checks.length, lists: w.lists, expectedErrors: w.expectedErrors, notPassing, oneProcess, oneProcessSampled: sample.length, cold: median(cold), warm: median(warm) };
}

function reportModules(main: ModuleMeasured, growth: ModuleMeasured[]): boolean {
  const share = (main.expectedErrors / main.checks) * 100;
  console.log(
    `\nmodule authors: ${main.checks} checks over ${main.lists} module lists, ${main.expectedErrors} (${share.toFixed(0)}%) expecting an error, ${main.notPassing} not passing on purpose; median of ${ROUNDS} rounds, jobs=${JOBS}; verdicts identical to one process per check on every check`,
  );
  const rows: [string, string, string][] = [
    ['one process per check (nix-instantiate)', `${main.oneProcess.toFixed(0)} ms`, '1.00x'],
    ['nixcheck cold (empty cache)', `${main.cold.toFixed(0)} ms`, `${(main.cold / main.oneProcess).toFixed(3)}x (target <= 0.1x)`],
    ['nixcheck warm (nothing changed)', `${main.warm.toFixed(0)} ms`, `${(main.warm / main.oneProcess).toFixed(3)}x (target <= 0.02x)`],
  ];
  for (const [name, time, ratio] of rows) console.log(`  ${name.padEnd(40)} ${time.padStart(10)}   ${ratio}`);
  console.log('\n  how cost grows (one process per check, nixcheck cold, nixcheck warm):');
  for (const m of [...growth, main].sort((a, b) => a.checks - b.checks)) {
    const sampled = m.oneProcessSampled < m.checks ? ` (${m.oneProcessSampled} run, extrapolated)` : '';
    console.log(
      `  ${String(m.checks).padStart(5)} checks / ${String(m.lists).padStart(4)} lists: ${m.oneProcess.toFixed(0).padStart(7)} ms${sampled}, cold ${m.cold.toFixed(0)} ms (${(m.cold / m.oneProcess).toFixed(3)}x), warm ${m.warm.toFixed(0)} ms (${(m.warm / m.oneProcess).toFixed(3)}x)`,
    );
  }
  return main.checks >= 300 && main.lists >= 100 && share >= 30 && main.cold / main.oneProcess <= 0.1 && main.warm / main.oneProcess <= 0.02;
}

// --- NixOS-sized hosts ------------------------------------------------------------------

interface Leaf {
  path: string[];
  value: unknown;
}

interface HostsMeasured {
  label: string;
  assertions: number;
  notPassing: number;
  floor: number;
  cold: number;
  coldOneJob: number;
  warm: number;
  naivePerAssertion: number;
  naiveSampled: number;
}

async function nixWithRequest(work: string, file: string, request: unknown): Promise<{ stdout: string; ms: number }> {
  const requestFile = join(work, `request-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(requestFile, JSON.stringify(request));
  const started = performance.now();
  const r = await execa(nixBinary(), [...NIX_FEATURE_ARGS, 'eval', '--json', '--impure', '--file', file], {
    env: { NIXCHECK_BENCH_REQUEST_FILE: requestFile },
  });
  return { stdout: String(r.stdout), ms: performance.now() - started };
}

/** Generate suites about values that exist, then measure the ways side by side. */
async function measureHosts(label: string, flakeDir: string, naiveSample: number): Promise<HostsMeasured> {
  const work = mkdtempSync(join(ROOT_WORK, 'w-'));
  const flakeRef = `path:${flakeDir}`;
  const discovered = JSON.parse((await nixWithRequest(work, join(REPO, 'bench', 'discover.nix'), { flake: flakeRef, hosts: HOSTS })).stdout) as Record<string, Leaf[]>;
  const perHost = Math.ceil(MIN_ASSERTIONS / HOSTS.length);
  const floorPaths: Record<string, string[][]> = {};
  const suiteDir = join(work, 'suites');
  mkdirSync(suiteDir);
  for (const host of HOSTS) {
    const leaves = discovered[host] ?? [];
    if (leaves.length === 0) throw new Error(`bench: no values discovered for ${host}`);
    // Spread the picks over the whole config, not only its first attributes.
    const stride = Math.max(1, Math.floor(leaves.length / perHost));
    const cases: string[] = [];
    floorPaths[host] = [];
    for (let i = 0; i < perHost; i++) {
      const leaf = leaves[(i * stride) % leaves.length]!;
      const round = Math.floor((i * stride) / leaves.length);
      // Later rounds assert other things about the same values.
      const matcher = round % 3 === 0 ? `equals: ${JSON.stringify(leaf.value)}` : round % 3 === 1 ? 'exists: true' : 'not: { equals: "__never__" }';
      cases.push(`  - name: "${host} ${i}"\n    path: ${JSON.stringify(formatAttrPath(leaf.path))}\n    ${matcher}`);
      floorPaths[host]!.push(leaf.path);
    }
    writeFileSync(join(suiteDir, `${host}.yaml`), `targets: [{ host: ${host} }]\ncases:\n${cases.join('\n')}\n`);
  }

  const options = (cacheDir: string, jobs: number): RunOptions => ({
    flake: flakeRef,
    baseDir: work,
    suites: [join(suiteDir, '*.yaml')],
    hostsAttr: 'nixosConfigurations',
    jobs,
    timeoutMs: 600_000,
    cacheDir,
    outDir: join(work, 'reports'),
  });
  const floorRun = () => nixWithRequest(work, join(REPO, 'bench', 'floor.nix'), { flake: flakeRef, paths: floorPaths });

  // Warm up the store copy of the flake so no measurement pays for it alone.
  await floorRun();

  // Interleaved round by round so machine noise hits every variant alike.
  const cold: number[] = [];
  const coldOneJob: number[] = [];
  const warm: number[] = [];
  const floor: number[] = [];
  let assertions = 0;
  let notPassing = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const cacheDir = mkdtempSync(join(work, 'cache-'));
    const first = await nixcheck(options(cacheDir, JOBS));
    cold.push(first.ms);
    assertions = first.summary.total;
    notPassing = first.summary.fail + first.summary.error;
    const second = await nixcheck(options(cacheDir, JOBS));
    warm.push(second.ms);
    if (second.nixStarted) throw new Error('bench: the warm run started a Nix process');
    floor.push((await floorRun()).ms);
    // The same cold run without parallelism: nixcheck's own overhead over the floor.
    coldOneJob.push((await nixcheck(options(mkdtempSync(join(work, 'cache-')), 1))).ms);
  }
  const cacheDir = mkdtempSync(join(work, 'cache-'));
  const short = label.split(' (')[0]!;
  await nixcheckProcess(`${short}, cold`, options(cacheDir, JOBS));
  await nixcheckProcess(`${short}, warm`, options(cacheDir, JOBS));
  await nixcheckProcess(`${short}, cold, --jobs 1`, options(mkdtempSync(join(work, 'cache-')), 1));

  // Naive: one process per assertion, one after another (sampled evenly).
  const all = HOSTS.flatMap((host) => floorPaths[host]!.map((path) => ({ host, path })));
  const step = Math.max(1, Math.floor(all.length / naiveSample));
  const sample = all.filter((_, i) => i % step === 0).slice(0, naiveSample);
  const naiveStarted = performance.now();
  for (const { host, path } of sample) {
    await execa(nixBinary(), [...NIX_FEATURE_ARGS, 'eval', '--json', `${flakeRef}#nixosConfigurations.${host}.config.${formatAttrPath(path)}`]);
  }
  const naivePerAssertion = (performance.now() - naiveStarted) / sample.length;
  return { label, assertions, notPassing, floor: median(floor), cold: median(cold), coldOneJob: median(coldOneJob), warm: median(warm), naivePerAssertion, naiveSampled: sample.length };
}

function reportHosts(m: HostsMeasured, judged: boolean): boolean {
  const naive = m.naivePerAssertion * m.assertions;
  const target = (t: string) => (judged ? ` (target ${t})` : '');
  const rows: [string, string, string][] = [
    ['floor: one hand-written nix eval', `${m.floor.toFixed(0)} ms`, '1.00x floor'],
    ['nixcheck cold (empty cache)', `${m.cold.toFixed(0)} ms`, `${(m.cold / m.floor).toFixed(2)}x floor${target('<= 1.2x')}`],
    ['nixcheck cold, --jobs 1', `${m.coldOneJob.toFixed(0)} ms`, `${(m.coldOneJob / m.floor).toFixed(2)}x floor${target('<= 1.2x')}`],
    ['nixcheck warm (nothing changed)', `${m.warm.toFixed(1)} ms`, `${(m.warm / m.floor).toFixed(3)}x floor${target('<= 0.1x')}`],
    [`naive: one nix eval per assertion${m.naiveSampled < m.assertions ? '*' : ''}`, `${naive.toFixed(0)} ms`, `${(naive / m.cold).toFixed(1)}x nixcheck cold${target('>= 20x')}`],
  ];
  console.log(`\n${m.label}: ${m.assertions} assertions (${m.notPassing} not passing) over ${HOSTS.length} hosts, median of ${ROUNDS} rounds, jobs=${JOBS}`);
  for (const [name, time, ratio] of rows) console.log(`  ${name.padEnd(40)} ${time.padStart(10)}   ${ratio}`);
  if (m.naiveSampled < m.assertions) {
    console.log(`  * ${m.naiveSampled} of the ${m.assertions} one-process evaluations were run (${m.naivePerAssertion.toFixed(0)} ms each); the total is that mean times ${m.assertions}.`);
  }
  return m.cold / m.floor <= 1.2 && m.coldOneJob / m.floor <= 1.2 && m.warm / m.floor <= 0.1 && naive / m.cold >= 20;
}

function reportResources(): boolean {
  const peak = resources.reduce((a, b) => (b.maxRssBytes > a.maxRssBytes ? b : a));
  const overJobs = resources.filter((r) => r.peakNix > r.jobs);
  console.log(`\n  nixcheck in a process of its own (peak memory, target <= 250 MB; Nix processes at once, target <= --jobs):`);
  for (const r of resources) console.log(`    ${r.label.padEnd(40)} ${(r.maxRssBytes / 1024 ** 2).toFixed(0).padStart(4)} MiB   ${r.peakNix} Nix processes (jobs ${r.jobs})`);
  console.log(`  peak memory: ${(peak.maxRssBytes / 1024 ** 2).toFixed(0)} MiB (${peak.label})`);
  for (const r of overJobs) console.log(`  ! ${r.label}: ${r.peakNix} Nix processes with jobs=${r.jobs}`);
  return peak.maxRssBytes <= MAX_RSS_BYTES && overJobs.length === 0;
}

async function main(): Promise<void> {
  let modules: (() => boolean) | undefined;
  if (WORKLOADS.has('modules')) {
    const growth: ModuleMeasured[] = [];
    const mainModules = await measureModules(MODULE_CHECKS);
    for (const size of GROWTH) growth.push(await measureModules(size));
    modules = () => reportModules(mainModules, growth);
  }
  let hosts: (() => boolean) | undefined;
  if (WORKLOADS.has('hosts')) {
    const light = join(ROOT_WORK, 'offline');
    cpSync(join(REPO, 'fixtures', 'offline'), light, { recursive: true });
    const heavy = join(ROOT_WORK, 'synthetic');
    writeSyntheticFlake(join(REPO, 'fixtures', 'offline'), heavy, SYNTHETIC_MODULES);
    const lightResult = await measureHosts('offline example flake (Nix evaluates it in tens of milliseconds: fixed costs dominate)', light, 100);
    const heavyResult = await measureHosts(`NixOS-sized hosts (the example flake plus ${SYNTHETIC_MODULES} generated modules, ${SYNTHETIC_MODULES * 6}+ options per host)`, heavy, 40);
    hosts = () => {
      reportHosts(lightResult, false);
      return reportHosts(heavyResult, true) && heavyResult.assertions >= MIN_ASSERTIONS;
    };
  }
  const modulesOk = modules?.();
  const hostsOk = hosts?.();
  const resourcesOk = reportResources();
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not run' : ok ? 'met' : 'MISSED');
  console.log(`\n  targets: module authors ${verdict(modulesOk)}, NixOS-sized hosts ${verdict(hostsOk)}, memory and processes ${verdict(resourcesOk)}`);
  const ok = modulesOk !== false && hostsOk !== false && resourcesOk;
  rmSync(ROOT_WORK, { recursive: true, force: true });
  process.exitCode = ok ? 0 : 1;
}

await main();
