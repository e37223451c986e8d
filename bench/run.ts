/**
 * `npm run bench`: nixcheck against the alternatives, measured side by side in one run.
 *
 * Two workloads, each 4 hosts with at least 500 generated assertions about values that
 * really exist: the offline example flake as it is (tiny: fixed costs dominate), and the
 * same flake grown to NixOS size with generated modules (the workload the targets are
 * about). Both are copied to a temporary directory. Measured for each:
 *   - nixcheck cold: empty cache (in-process API call, as a test runner would make it);
 *   - nixcheck warm: the same run again, nothing changed;
 *   - naive: one `nix eval --json` per assertion, one after another (on the large
 *     workload a sample, extrapolated and labelled so);
 *   - floor: one hand-written `nix eval --json` of exactly the same values.
 * Targets: cold <= 1.2x floor, warm <= 0.1x floor, naive >= 20x cold.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { NIX_FEATURE_ARGS, nixBinary } from '../src/nix/nix-cli.js';
import { formatAttrPath } from '../src/suite/attr-path.js';
import { runTests } from '../src/run/test-run.js';
import { defaultJobs } from '../src/config/config.js';
import { writeSyntheticFlake } from './synthetic-hosts.js';

const REPO = resolve(import.meta.dirname, '..');
const HOSTS = ['laptop', 'desktop', 'k3s-node', 'bare'];
const MIN_ASSERTIONS = Number(process.env.BENCH_ASSERTIONS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SYNTHETIC_MODULES = Number(process.env.BENCH_MODULES ?? 1500);

interface Leaf {
  path: string[];
  value: unknown;
}

const ROOT_WORK = mkdtempSync(join(tmpdir(), 'nixcheck-bench-'));

interface Measured {
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

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Generate suites about values that exist, then measure the four ways side by side. */
async function measure(label: string, flakeDir: string, naiveSample: number): Promise<Measured> {
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

  const run = (cacheDir: string | null, jobs = defaultJobs()) =>
    runTests({
      flake: flakeRef,
      baseDir: work,
      suites: [join(suiteDir, '*.yaml')],
      hostsAttr: 'nixosConfigurations',
      jobs,
      timeoutMs: 600_000,
      cacheDir,
      outDir: join(work, 'reports'),
      reporters: [],
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
    let t = performance.now();
    const first = await run(cacheDir);
    cold.push(performance.now() - t);
    assertions = first.summary.total;
    notPassing = first.summary.fail + first.summary.error;
    t = performance.now();
    const second = await run(cacheDir);
    warm.push(performance.now() - t);
    if (second.evaluations.some((e) => e.processes > 0)) throw new Error('bench: the warm run started a Nix process');
    floor.push((await floorRun()).ms);
    // The same cold run without parallelism: nixcheck's own overhead over the floor.
    t = performance.now();
    await run(mkdtempSync(join(work, 'cache-')), 1);
    coldOneJob.push(performance.now() - t);
  }

  // Naive: one process per assertion, one after another (sampled evenly when asked).
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

function report(m: Measured, judged: boolean): boolean {
  const naive = m.naivePerAssertion * m.assertions;
  const rows: [string, string, string][] = [
    ['floor: one hand-written nix eval', `${m.floor.toFixed(0)} ms`, '1.00x floor'],
    ['nixcheck cold (empty cache)', `${m.cold.toFixed(0)} ms`, `${(m.cold / m.floor).toFixed(2)}x floor${judged ? ' (target <= 1.2x)' : ''}`],
    ['nixcheck cold, --jobs 1', `${m.coldOneJob.toFixed(0)} ms`, `${(m.coldOneJob / m.floor).toFixed(2)}x floor (no parallelism)`],
    ['nixcheck warm (nothing changed)', `${m.warm.toFixed(1)} ms`, `${(m.warm / m.floor).toFixed(3)}x floor${judged ? ' (target <= 0.1x)' : ''}`],
    [
      `naive: one nix eval per assertion${m.naiveSampled < m.assertions ? '*' : ''}`,
      `${naive.toFixed(0)} ms`,
      `${(naive / m.cold).toFixed(1)}x nixcheck cold${judged ? ' (target >= 20x)' : ''}`,
    ],
  ];
  console.log(`\n${m.label}: ${m.assertions} assertions (${m.notPassing} not passing) over ${HOSTS.length} hosts, median of ${ROUNDS} rounds, jobs=${defaultJobs()}`);
  for (const [name, time, ratio] of rows) console.log(`  ${name.padEnd(36)} ${time.padStart(10)}   ${ratio}`);
  if (m.naiveSampled < m.assertions) {
    console.log(`  * ${m.naiveSampled} of the ${m.assertions} one-process evaluations were run (${m.naivePerAssertion.toFixed(0)} ms each); the total is that mean times ${m.assertions}.`);
  }
  return m.cold / m.floor <= 1.2 && m.warm / m.floor <= 0.1 && naive / m.cold >= 20;
}

async function main(): Promise<void> {
  const light = join(ROOT_WORK, 'offline');
  cpSync(join(REPO, 'fixtures', 'offline'), light, { recursive: true });
  const heavy = join(ROOT_WORK, 'synthetic');
  writeSyntheticFlake(join(REPO, 'fixtures', 'offline'), heavy, SYNTHETIC_MODULES);

  const lightResult = await measure('offline example flake (Nix evaluates it in tens of milliseconds: fixed costs dominate)', light, MIN_ASSERTIONS);
  const heavyResult = await measure(`NixOS-sized hosts (the example flake plus ${SYNTHETIC_MODULES} generated modules, ${SYNTHETIC_MODULES * 6}+ options per host)`, heavy, 40);
  report(lightResult, false);
  const ok = report(heavyResult, true);
  console.log(`\n  peak memory of the nixcheck process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (maxRSS)`);
  console.log(ok ? '  targets (on the NixOS-sized hosts): all met' : '  targets (on the NixOS-sized hosts): MISSED');
  rmSync(ROOT_WORK, { recursive: true, force: true });
  process.exitCode = ok && heavyResult.assertions >= MIN_ASSERTIONS ? 0 : 1;
}

await main();
