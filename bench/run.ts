/**
 * `npm run bench`: nixcheck against the alternatives, measured side by side in one run.
 *
 * Workload: the offline example flake (copied to a temporary directory so its store copy
 * is small and stable), 4 hosts, at least 500 generated assertions about values that
 * really exist. Measured:
 *   - nixcheck cold: empty cache (in-process API call, as a test runner would make it);
 *   - nixcheck warm: the same run again, nothing changed;
 *   - naive: one `nix eval --json` per assertion, one after another;
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

const REPO = resolve(import.meta.dirname, '..');
const HOSTS = ['laptop', 'desktop', 'k3s-node', 'bare'];
const MIN_ASSERTIONS = Number(process.env.BENCH_ASSERTIONS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Leaf {
  path: string[];
  value: unknown;
}

const work = mkdtempSync(join(tmpdir(), 'nixcheck-bench-'));
const flakeDir = join(work, 'flake');
cpSync(join(REPO, 'fixtures', 'offline'), flakeDir, { recursive: true });
const flakeRef = `path:${flakeDir}`;

async function nixWithRequest(file: string, request: unknown): Promise<{ stdout: string; ms: number }> {
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

async function main(): Promise<void> {
  // 1. Discover real values and generate the workload.
  const discovered = JSON.parse((await nixWithRequest(join(REPO, 'bench', 'discover.nix'), { flake: flakeRef, hosts: HOSTS })).stdout) as Record<string, Leaf[]>;
  const perHost = Math.ceil(MIN_ASSERTIONS / HOSTS.length);
  const floorPaths: Record<string, string[][]> = {};
  let total = 0;
  const suiteDir = join(work, 'suites');
  mkdirSync(suiteDir);
  for (const host of HOSTS) {
    const leaves = discovered[host] ?? [];
    if (leaves.length === 0) throw new Error(`bench: no values discovered for ${host}`);
    const cases: string[] = [];
    floorPaths[host] = [];
    for (let i = 0; i < perHost; i++) {
      const leaf = leaves[i % leaves.length]!;
      const round = Math.floor(i / leaves.length);
      // Later rounds assert other things about the same values.
      const matcher = round % 3 === 0 ? `equals: ${JSON.stringify(leaf.value)}` : round % 3 === 1 ? 'exists: true' : `not: { equals: "__never__" }`;
      cases.push(`  - name: "${host} ${i}"\n    path: ${JSON.stringify(formatAttrPath(leaf.path))}\n    ${matcher}`);
      floorPaths[host]!.push(leaf.path);
      total++;
    }
    writeFileSync(join(suiteDir, `${host}.yaml`), `targets: [{ host: ${host} }]\ncases:\n${cases.join('\n')}\n`);
  }

  const run = (cacheDir: string | null) =>
    runTests({
      flake: flakeRef,
      baseDir: work,
      suites: [join(suiteDir, '*.yaml')],
      hostsAttr: 'nixosConfigurations',
      jobs: defaultJobs(),
      timeoutMs: 600_000,
      cacheDir,
      outDir: join(work, 'reports'),
      reporters: [],
    });

  // Warm up the store copy of the flake so no measurement pays for it alone.
  await nixWithRequest(join(REPO, 'bench', 'floor.nix'), { flake: flakeRef, paths: floorPaths });

  // 2. Measure, interleaved round by round so machine noise hits every variant alike.
  const cold: number[] = [];
  const warm: number[] = [];
  const floor: number[] = [];
  let checked = 0;
  let failures = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const cacheDir = mkdtempSync(join(work, 'cache-'));
    let t = performance.now();
    const first = await run(cacheDir);
    cold.push(performance.now() - t);
    checked = first.summary.total;
    failures = first.summary.fail + first.summary.error;
    t = performance.now();
    const second = await run(cacheDir);
    warm.push(performance.now() - t);
    if (second.evaluations.some((e) => e.processes > 0)) throw new Error('bench: the warm run started a Nix process');
    floor.push((await nixWithRequest(join(REPO, 'bench', 'floor.nix'), { flake: flakeRef, paths: floorPaths })).ms);
  }

  // Naive: one process per assertion (all of them, once: it is the slow one).
  const naiveStarted = performance.now();
  for (const host of HOSTS) {
    for (const path of floorPaths[host]!) {
      await execa(nixBinary(), [...NIX_FEATURE_ARGS, 'eval', '--json', `${flakeRef}#nixosConfigurations.${host}.config.${formatAttrPath(path)}`]);
    }
  }
  const naive = performance.now() - naiveStarted;

  const memory = process.resourceUsage().maxRSS / 1024;
  const c = median(cold);
  const w = median(warm);
  const f = median(floor);
  const rows: [string, string, string][] = [
    ['floor: one hand-written nix eval', `${f.toFixed(0)} ms`, '1.00x floor'],
    ['nixcheck cold (empty cache)', `${c.toFixed(0)} ms`, `${(c / f).toFixed(2)}x floor (target <= 1.2x)`],
    ['nixcheck warm (nothing changed)', `${w.toFixed(1)} ms`, `${(w / f).toFixed(3)}x floor (target <= 0.1x)`],
    ['naive: one nix eval per assertion', `${naive.toFixed(0)} ms`, `${(naive / c).toFixed(1)}x slower than nixcheck cold (target >= 20x)`],
  ];
  console.log(`nixcheck benchmark: ${checked} assertions (${failures} not passing) over ${HOSTS.length} hosts, median of ${ROUNDS} rounds, jobs=${defaultJobs()}`);
  for (const [name, time, ratio] of rows) console.log(`  ${name.padEnd(36)} ${time.padStart(10)}   ${ratio}`);
  console.log(`  peak memory of the nixcheck process: ${memory.toFixed(0)} MiB (maxRSS)`);
  const ok = c / f <= 1.2 && w / f <= 0.1 && naive / c >= 20;
  console.log(ok ? 'all targets met' : 'TARGETS MISSED');
  rmSync(work, { recursive: true, force: true });
  process.exitCode = ok && total >= MIN_ASSERTIONS ? 0 : 1;
}

await main();
