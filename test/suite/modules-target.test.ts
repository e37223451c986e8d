import { chmodSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { NIX_FEATURE_ARGS } from '../../src/nix/nix-cli.js';
import type { RunResult } from '../../src/result/model.js';
import { loadSuite } from '../../src/suite/load-suite.js';
import { runTests } from '../../src/run/test-run.js';
import { InputError } from '../../src/util/errors.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

const FIXTURE = join(REPO, 'fixtures', 'module-author');

/** A `nix` that logs each call's arguments, so a test can count the Nix processes a run started. */
function countingNix(): { binary: string; calls: () => string[] } {
  const dir = tempDir();
  const log = join(dir, 'calls.log');
  const binary = join(dir, 'nix');
  writeFileSync(binary, `#!/bin/sh\necho "$*" >> '${log}'\nexec nix "$@"\n`);
  chmodSync(binary, 0o755);
  return { binary, calls: () => readFileSync(log, 'utf8').trim().split('\n') };
}

async function run(suites: string[], options: { flake?: string; cacheDir?: string | null; baseDir?: string } = {}): Promise<RunResult> {
  const out = tempDir();
  return runTests({
    ...(options.flake ? { flake: options.flake } : {}),
    baseDir: options.baseDir ?? REPO,
    suites,
    hostsAttr: 'nixosConfigurations',
    jobs: 1,
    timeoutMs: 120_000,
    cacheDir: options.cacheDir ?? null,
    outDir: out,
    reporters: [],
  });
}

function withNix<T>(binary: string, f: () => Promise<T>): Promise<T> {
  const before = process.env.NIXCHECK_NIX;
  process.env.NIXCHECK_NIX = binary;
  return f().finally(() => {
    if (before === undefined) delete process.env.NIXCHECK_NIX;
    else process.env.NIXCHECK_NIX = before;
  });
}

describe('evalModules targets (`modules:`) and `args:`', () => {
  it('evaluates every module list of a directory of suites in one Nix process, with evidence in the module files', async () => {
    const nix = countingNix();
    const result = await withNix(nix.binary, () => run([join(FIXTURE, 'suites', '*.yaml')], { flake: OFFLINE_FLAKE }));
    expect(result.summary).toEqual({ total: 14, pass: 14, fail: 0, error: 0, skip: 0 });
    expect(result.evaluations).toHaveLength(9);
    expect(nix.calls().filter((args) => args.includes(' repl'))).toHaveLength(1);

    const listen = result.cases.find((c) => c.name === 'listens on the default port')!;
    expect(listen.target.label).toBe('fixtures/module-author/modules/web.nix + fixtures/module-author/tests/web-on.nix');
    expect(listen.evidence!.definitions[0]).toMatchObject({ localFile: 'fixtures/module-author/modules/web.nix' });
    const portLine = readFileSync(join(FIXTURE, 'modules', 'web.nix'), 'utf8').split('\n')[listen.evidence!.definitions[0]!.line! - 1];
    expect(portLine).toMatch(/services\.web\.listen =/);
    // A module of the flake, by reference: its definitions are in the flake's file.
    const ssh = result.cases.find((c) => c.name === 'only the listed groups may log in')!;
    expect(ssh.evidence!.definitions[0]).toMatchObject({ localFile: 'fixtures/offline/modules/security/ssh.nix' });
  });

  it('takes the lib from the flake\'s nixpkgs input when `lib:` is not given', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'flake.nix'), `{\n  inputs.nixpkgs.url = "path:${OFFLINE_FLAKE}";\n  outputs = { self, nixpkgs }: { };\n}\n`);
    await execa('nix', [...NIX_FEATURE_ARGS, 'flake', 'lock', `path:${dir}`]);
    cpSync(join(FIXTURE, 'modules'), join(dir, 'modules'), { recursive: true });
    writeFileSync(
      join(dir, 'suite.yaml'),
      ['targets: [{ modules: [ ./modules/web.nix, { services.web.enable: true } ] }]', 'cases:', '  - name: default', '    path: services.web.listen', '    equals: "http://0.0.0.0:8080"'].join('\n'),
    );
    // A module must be a path or a reference, not inline data.
    await expect(loadSuite(join(dir, 'suite.yaml'))).rejects.toThrow(InputError);
    writeFileSync(join(dir, 'on.nix'), '{ services.web.enable = true; }\n');
    writeFileSync(
      join(dir, 'suite.yaml'),
      ['targets: [{ modules: [ ./modules/web.nix, ./on.nix ] }]', 'cases:', '  - name: default', '    path: services.web.listen', '    equals: "http://0.0.0.0:8080"'].join('\n'),
    );
    const result = await run([join(dir, 'suite.yaml')], { flake: `path:${dir}`, baseDir: dir });
    expect(result.cases[0]).toMatchObject({ verdict: 'pass', actual: 'http://0.0.0.0:8080' });
  });

  it('names file, line and column for a reference that is neither a path nor FLAKE#ATTR', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'suite.yaml'),
      ['targets:', '  - modules: [ ./a.nix, nixpkgs ]', '    lib: "lib.nix#"', 'cases:', '  - name: x', '    path: a', '    equals: 1'].join('\n'),
    );
    const error = await loadSuite(join(dir, 'suite.yaml')).catch((e: unknown) => e as InputError);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems.map((p) => [p.location?.line, p.location?.column])).toEqual([
      [2, 25],
      [3, 10],
    ]);
    expect((error as InputError).message).toMatch(/"nixpkgs" is neither a path .* nor FLAKE#ATTR/);
  });

  it('says what is missing when `nixpkgs#lib` is meant but no flake is configured', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'm.nix'), '{ }\n');
    writeFileSync(join(dir, 'suite.yaml'), ['targets: [{ modules: [ ./m.nix ] }]', 'cases:', '  - name: x', '    path: a', '    equals: 1'].join('\n'));
    await expect(run([join(dir, 'suite.yaml')], { baseDir: dir })).rejects.toThrow(/nixpkgs#lib names an input of the configured flake, but no flake is configured/);
  });

  it('fails a file target given `args:` that is not a function, naming the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plain.nix'), '{ config.a = 1; }\n');
    writeFileSync(join(dir, 'suite.yaml'), ['targets: [{ file: ./plain.nix, args: { x: 1 } }]', 'cases:', '  - name: x', '    path: a', '    equals: 1'].join('\n'));
    const result = await run([join(dir, 'suite.yaml')], { baseDir: dir });
    expect(result.cases[0]).toMatchObject({ verdict: 'error', errorReason: 'target' });
    expect(result.cases[0]!.error).toMatch(/`args:` is given, but .*plain\.nix is not a function/);
  });

  it('caches a module list by the files it reads, inside the suite\'s tree or outside it', async () => {
    const dir = tempDir();
    const elsewhere = tempDir();
    cpSync(join(FIXTURE, 'modules'), join(dir, 'modules'), { recursive: true });
    cpSync(join(FIXTURE, 'tests'), join(dir, 'tests'), { recursive: true });
    cpSync(join(REPO, 'fixtures', 'offline', 'lib'), join(dir, 'lib'), { recursive: true });
    cpSync(join(REPO, 'fixtures', 'offline', 'lib'), join(elsewhere, 'lib'), { recursive: true });
    const suite = (lib: string) =>
      ['targets:', `  - modules: [ ./modules/web.nix, ./tests/web-on.nix ]`, `    lib: ${lib}`, 'cases:', '  - name: port', '    path: services.web.port', '    equals: 8080'].join('\n');
    const cacheDir = tempDir();
    writeFileSync(join(dir, 'inside.yaml'), suite('./lib'));
    writeFileSync(join(dir, 'outside.yaml'), suite(join(elsewhere, 'lib')));
    const suites = [join(dir, 'inside.yaml'), join(dir, 'outside.yaml')];
    // Files written as Nix starts may have been read before the write: such a run is not
    // cached (path-digest.ts), so the copies must be older than the first run.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await run(suites, { cacheDir, baseDir: dir });
    const warm = await run(suites, { cacheDir, baseDir: dir });
    expect(warm.cases.map((c) => [c.verdict, c.cached])).toEqual([
      ['pass', true],
      ['pass', true],
    ]);
    // A change to a file the list read, outside the tree, is a miss for that list only.
    const libFile = join(elsewhere, 'lib', 'default.nix');
    writeFileSync(libFile, `${readFileSync(libFile, 'utf8')}\n# edited\n`);
    const libChanged = await run(suites, { cacheDir, baseDir: dir });
    expect(libChanged.cases.map((c) => [c.verdict, c.cached])).toEqual([
      ['pass', true],
      ['pass', false],
    ]);
    // A change in the tree is a miss.
    writeFileSync(join(dir, 'tests', 'web-on.nix'), '{ services.web = { enable = true; port = 9090; }; }\n');
    const changed = await run([join(dir, 'inside.yaml')], { cacheDir, baseDir: dir });
    expect(changed.cases[0]).toMatchObject({ verdict: 'fail', actual: 9090, cached: false });
  });
});
