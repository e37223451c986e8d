import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadCatalogue } from '../../src/compliance/catalogue.js';
import { liveGroups } from '../../src/process/registry.js';
import { loadWaivers } from '../../src/compliance/waivers.js';
import { loadConfig } from '../../src/config/config.js';
import { loadSuite } from '../../src/suite/load-suite.js';
import { InputError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/paths.js';
import { config, controls, fileOf, suite, waivers } from './generators.js';

/**
 * The loaders under generated input: each file either loads, or is refused with an
 * InputError (exit 2) that names file:line:col. Anything else (a TypeError, a RangeError,
 * a yaml package error) would reach the user as a crash.
 */
function expectLoadsOrNamesTheSpot(outcome: { error?: unknown }, file: string): void {
  if (outcome.error === undefined) return;
  const e = outcome.error as Error;
  expect(e, `${e?.stack}`).toBeInstanceOf(InputError);
  expect(e.message).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
}

async function outcomeOf(load: () => Promise<unknown>): Promise<{ error?: unknown }> {
  try {
    await load();
    return {};
  } catch (error) {
    return { error };
  }
}

const RUNS = 2_500;

describe('the parsing and validation layer under 10,000 generated inputs', () => {
  const dir = tempDir('nixcheck-fuzz-');
  writeFileSync(join(dir, 'flake.nix'), '{ outputs = _: { }; }\n');
  mkdirSync(join(dir, 'controls'));

  it(`suites (${RUNS})`, async () => {
    const file = join(dir, 'suite.yaml');
    await fc.assert(
      fc.asyncProperty(fileOf(suite), async (bytes) => {
        writeFileSync(file, bytes);
        expectLoadsOrNamesTheSpot(await outcomeOf(() => loadSuite(file)), 'suite.yaml');
      }),
      { numRuns: RUNS },
    );
  });

  it(`waivers (${RUNS})`, async () => {
    const file = join(dir, 'waivers.yaml');
    await fc.assert(
      fc.asyncProperty(fileOf(waivers), async (bytes) => {
        writeFileSync(file, bytes);
        expectLoadsOrNamesTheSpot(await outcomeOf(() => loadWaivers(file, ['known-control'])), 'waivers.yaml');
      }),
      { numRuns: RUNS },
    );
  });

  it(`controls (${RUNS})`, async () => {
    const controlsDir = join(dir, 'controls');
    const file = join(controlsDir, 'controls.yaml');
    await fc.assert(
      fc.asyncProperty(fileOf(controls), async (bytes) => {
        writeFileSync(file, bytes, { flag: 'w' });
        expectLoadsOrNamesTheSpot(await outcomeOf(() => loadCatalogue({ dirs: [controlsDir], builtin: false })), 'controls.yaml');
      }),
      { numRuns: RUNS },
    );
  });

  it(`nixcheck.yaml (${RUNS})`, async () => {
    const file = join(dir, 'nixcheck.yaml');
    await fc.assert(
      fc.asyncProperty(fileOf(config), async (bytes) => {
        writeFileSync(file, bytes);
        expectLoadsOrNamesTheSpot(await outcomeOf(() => loadConfig(file, dir)), 'nixcheck.yaml');
      }),
      { numRuns: RUNS },
    );
  });
});

/** Processes whose parent is this process (from /proc). */
function children(): string[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(ppid) === process.pid && state !== 'Z';
      } catch {
        return false;
      }
    });
}

/** `nixcheck <argv>` in this process, its output captured. */
async function cli(argv: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((s) => s.write);
  for (const s of streams) s.write = ((chunk: string | Uint8Array) => ((output += String(chunk)), true)) as typeof s.write;
  try {
    return { code: await main(argv), output };
  } finally {
    streams.forEach((s, i) => (s.write = writes[i]!));
  }
}

describe('nixcheck test end to end through Nix, on a sample of generated suites', () => {
  const RUNS = 20;
  it(`exit 0-3, no stack trace, exit 2 names file:line:col, no process or temp file left (${RUNS})`, async () => {
    const dir = tempDir('nixcheck-fuzz-e2e-');
    const tmp = join(dir, 'tmp');
    const out = join(dir, 'out');
    mkdirSync(tmp);
    mkdirSync(out);
    writeFileSync(join(dir, 'value.nix'), '{ config = { x = 1; a.b.c = [ "yes" ]; networking.firewall.enable = true; boom = throw "boom"; }; }\n');
    writeFileSync(join(dir, 'flake.nix'), '{ outputs = _: { nixosConfigurations.laptop = import ./value.nix; }; }\n');
    const file = join(dir, 'suite.yaml');
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      // Mostly suites that load (so Nix evaluates them), and some of anything.
      const seed = Date.now();
      const candidates = fc.sample(fileOf(suite, { mutate: false }), { numRuns: 300, seed });
      const loadable: Buffer[] = [];
      for (const bytes of candidates) {
        writeFileSync(file, bytes);
        if (loadable.length < (RUNS * 3) / 4 && (await outcomeOf(() => loadSuite(file))).error === undefined) loadable.push(bytes);
      }
      const samples = [...loadable, ...fc.sample(fileOf(suite), { numRuns: RUNS - loadable.length, seed })];
      const codes: number[] = [];
      for (const bytes of samples) {
        writeFileSync(file, bytes);
        const { code, output } = await cli(['test', '--flake', `path:${dir}`, '--suite', file, '--no-cache', '--out', out, '-r', 'terminal', '-r', 'json', '-r', 'junit']);
        const input = `(seed ${seed})\n${bytes.toString('utf8').slice(0, 2000)}`;
        codes.push(code);
        expect([0, 1, 2, 3], `${output}\n--- input:\n${input}`).toContain(code);
        expect(output, input).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        if (code === 2) expect(output, input).toMatch(/suite\.yaml:\d+:\d+: /);
        expect(liveGroups()).toEqual([]);
        expect(children()).toEqual([]);
        expect(readdirSync(tmp)).toEqual([]);
        expect(readdirSync(out, { withFileTypes: true }).filter((e) => e.name.startsWith('.')).map((e) => e.name)).toEqual([]);
      }
      // The sample did reach Nix: most runs got verdicts.
      expect(codes.filter((c) => c === 0 || c === 1 || c === 3).length, `seed ${seed}: ${codes.join(' ')}`).toBeGreaterThanOrEqual(RUNS / 2);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  }, 300_000);

  it('comply: exit 0-3, no stack trace, exit 2 names file:line:col, no process or temp file left (6 generated control and waiver files)', async () => {
    const dir = tempDir('nixcheck-fuzz-comply-');
    const tmp = join(dir, 'tmp');
    const out = join(dir, 'out');
    const controlsDir = join(dir, 'controls');
    for (const d of [tmp, out, controlsDir]) mkdirSync(d);
    writeFileSync(join(dir, 'flake.nix'), '{ outputs = _: { nixosConfigurations.laptop.config = { networking.firewall.enable = true; }; }; }\n');
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const seed = Date.now();
    try {
      const pairs = fc.sample(fc.tuple(fileOf(controls, { mutate: false }), fileOf(waivers)), { numRuns: 6, seed });
      for (const [controlBytes, waiverBytes] of pairs) {
        writeFileSync(join(controlsDir, 'mine.yaml'), controlBytes);
        writeFileSync(join(dir, 'waivers.yaml'), waiverBytes);
        const args = ['comply', '--flake', `path:${dir}`, '--host', 'laptop', '--controls', controlsDir, '--waivers', join(dir, 'waivers.yaml'), '--no-cache', '--out', out, '--format', 'json', '--format', 'md'];
        const { code, output } = await cli(args);
        const input = `(seed ${seed})\n${controlBytes.toString('utf8').slice(0, 1500)}\n---\n${waiverBytes.toString('utf8').slice(0, 1500)}`;
        expect([0, 1, 2, 3], `${output}\n--- input:\n${input}`).toContain(code);
        expect(output, input).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        if (code === 2) expect(output, input).toMatch(/(mine|waivers)\.yaml:\d+:\d+: /);
        expect(liveGroups()).toEqual([]);
        expect(children()).toEqual([]);
        expect(readdirSync(tmp)).toEqual([]);
        expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
      }
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  }, 300_000);
});
