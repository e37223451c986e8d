import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Evaluator, type EvalTarget } from '../../src/nix/evaluator.js';
import { resolveFlake } from '../../src/nix/flake-ref.js';
import { flakeEvalTarget } from '../../src/target/resolve-target.js';
import type { EvalItem } from '../../src/nix/request.js';
import { OFFLINE_FLAKE, tempDir } from '../helpers/paths.js';

/**
 * The cache key covers every file an evaluation reads, and only those: for any edit to
 * any file, a cached run answers what an uncached run answers, and an edit to a file a
 * target does not read leaves its answers cached.
 *
 * The project: `lib/` (the offline module system), shared option declarations and values
 * outside the targets' directory, modules importing modules, data read with
 * `builtins.readFile`, `readDir` and `pathExists`, a file no target reads, and three
 * `file:` targets side by side.
 */
const FILES: Record<string, string> = {
  'shared/options.nix': `{ lib, ... }: {
  options = {
    a = lib.mkOption { type = lib.types.int; default = 0; };
    b = lib.mkOption { type = lib.types.int; default = 0; };
    c = lib.mkOption { type = lib.types.int; default = 0; };
    motd = lib.mkOption { type = lib.types.str; default = ""; };
    hosts = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    flag = lib.mkOption { type = lib.types.bool; default = false; };
  };
}
`,
  'shared/values.nix': '{ config.a = 1; }\n',
  'modules/m1.nix': '{ imports = [ ./m2.nix ]; config.b = 10; }\n',
  'modules/m2.nix': '{ config.c = 100; }\n',
  'modules/unused.nix': '{ config.c = 999; }\n',
  'data/motd.txt': 'hello\n',
  'data/hosts/alpha': '',
  'data/hosts/beta': '',
  'README.txt': 'not Nix\n',
  'targets/t1.nix': `let lib = import ../lib; in
lib.evalModules {
  modules = [
    ../shared/options.nix
    ../shared/values.nix
    ../modules/m1.nix
    {
      config.motd = builtins.readFile ../data/motd.txt;
      config.hosts = builtins.attrNames (builtins.readDir ../data/hosts);
      config.flag = builtins.pathExists ../data/flag;
    }
  ];
}
`,
  'targets/t2.nix': `let lib = import ../lib; in
lib.evalModules { modules = [ ../shared/options.nix ../modules/m2.nix ]; }
`,
  'targets/t3.nix': `let lib = import ../lib; in
lib.evalModules { modules = [ ../shared/options.nix ./local.nix ]; }
`,
  'targets/local.nix': '{ config.a = 7; }\n',
};
const PATHS = ['a', 'b', 'c', 'motd', 'hosts', 'flag'];
const TARGETS = ['t1.nix', 't2.nix', 't3.nix'];

function writeProject(): string {
  const root = tempDir();
  cpSync(join(OFFLINE_FLAKE, 'lib'), join(root, 'lib'), { recursive: true });
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const fileTarget = (root: string, name: string): EvalTarget => ({
  base: { kind: 'file', file: join(root, 'targets', name), attrPath: [] },
  sourceDir: join(root, 'targets'),
  sourceScope: 'files',
});
const items: EvalItem[] = PATHS.map((p) => ({ variant: { config: null, priority: 100 }, root: 'config', path: [p], evidence: true }));

/**
 * Files written an instant before an evaluation starts may be read by Nix before or after
 * the write, so the cache does not keep that evaluation: tests that expect it kept let
 * their files age first.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/** git in `dir`, with an author for commits. */
const gitIn =
  (dir: string) =>
  (...args: string[]) =>
    String(execFileSync('git', ['-C', dir, '-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args]));

/** A small seeded generator (mulberry32): a failing seed reproduces the same edits. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Edit = { describe: string; apply: (root: string) => void };

function randomEdit(next: () => number): Edit {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const n = Math.floor(next() * 1000);
  const nixFiles = [...Object.keys(FILES).filter((f) => f.endsWith('.nix')), 'lib/types.nix'];
  const kinds: Edit[] = [
    {
      describe: 'a number in a module',
      apply: (root) => {
        const file = pick(['shared/values.nix', 'modules/m1.nix', 'modules/m2.nix', 'modules/unused.nix', 'targets/local.nix']);
        const path = join(root, file);
        writeFileSync(path, readFileSync(path, 'utf8').replace(/= \d+;/, `= ${n};`));
      },
    },
    {
      describe: 'a comment in a Nix file',
      apply: (root) => {
        const file = join(root, pick(nixFiles));
        writeFileSync(file, `${readFileSync(file, 'utf8')}# edit ${n}\n`);
      },
    },
    { describe: 'the file read with readFile', apply: (root) => writeFileSync(join(root, 'data/motd.txt'), `motd ${n}\n`) },
    {
      describe: 'an entry of the directory read with readDir',
      apply: (root) => {
        const dir = join(root, 'data/hosts');
        const entries = readdirSync(dir);
        if (entries.length > 1 && next() < 0.5) rmSync(join(dir, pick(entries)));
        else writeFileSync(join(dir, `host-${n}`), '');
      },
    },
    {
      describe: 'the file tested with pathExists',
      apply: (root) => {
        const flag = join(root, 'data/flag');
        if (existsSync(flag)) rmSync(flag);
        else writeFileSync(flag, '');
      },
    },
    { describe: 'a file no Nix reads', apply: (root) => writeFileSync(join(root, 'README.txt'), `readme ${n}\n`) },
    {
      describe: 'a file rewritten unchanged',
      apply: (root) => {
        const file = join(root, pick(nixFiles));
        writeFileSync(file, readFileSync(file));
      },
    },
  ];
  return pick(kinds);
}

describe('the cache key covers exactly what an evaluation reads', () => {
  it('for random edits to any file, a cached run answers what an uncached run answers', async () => {
    const seed = Number(process.env.NIXCHECK_CACHE_SEED ?? 20241201);
    const next = random(seed);
    const root = writeProject();
    const cacheDir = tempDir();
    const cached = () => new Evaluator({ timeoutMs: 60_000, cacheDir });
    const uncached = new Evaluator({ timeoutMs: 60_000, cacheDir: null });
    let hits = 0;
    let misses = 0;
    const history: string[] = [];
    for (let round = 0; round < 10; round++) {
      const edit = randomEdit(next);
      edit.apply(root);
      history.push(edit.describe);
      for (const name of TARGETS) {
        const fromCache = await cached().evaluate(fileTarget(root, name), items);
        const fresh = await uncached.evaluate(fileTarget(root, name), items);
        expect(fromCache.outcomes, `seed ${seed}, edits: ${history.join('; ')}; target ${name}`).toEqual(fresh.outcomes);
        if (fromCache.fromCache.every(Boolean)) hits++;
        else misses++;
      }
    }
    // Both paths were taken: the comparison is not between two uncached runs.
    expect(hits).toBeGreaterThan(0);
    expect(misses).toBeGreaterThan(0);
  });

  it('an edit to a file another target reads, or to a comment in another target, keeps this one cached', async () => {
    const root = writeProject();
    await settle();
    const cacheDir = tempDir();
    const evaluate = (name: string) => new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(fileTarget(root, name), items);
    for (const name of TARGETS) await evaluate(name);

    writeFileSync(join(root, 'targets/t1.nix'), `# a comment\n${FILES['targets/t1.nix']}`);
    writeFileSync(join(root, 'targets/local.nix'), '{ config.a = 8; }\n');
    writeFileSync(join(root, 'modules/unused.nix'), '{ config.c = 1000; }\n');
    const t2 = await evaluate('t2.nix');
    expect(t2.processes).toBe(0);
    expect(t2.fromCache.every(Boolean)).toBe(true);

    // t3 reads local.nix, beside t1.nix: that edit is seen.
    const t3 = await evaluate('t3.nix');
    expect(t3.fromCache.some(Boolean)).toBe(false);
    expect(t3.outcomes[0]).toMatchObject({ status: 'value', value: 8 });
  });

  it('an edit to a module outside the target directory is seen', async () => {
    const root = writeProject();
    const cacheDir = tempDir();
    const evaluate = () => new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(fileTarget(root, 't1.nix'), items);
    const before = await evaluate();
    expect(before.outcomes[1]).toMatchObject({ value: 10 });
    writeFileSync(join(root, 'modules/m1.nix'), FILES['modules/m1.nix']!.replace('10', '11'));
    const after = await evaluate();
    expect(after.fromCache.some(Boolean)).toBe(false);
    expect(after.outcomes[1]).toMatchObject({ value: 11 });
  });
});

describe('a flake that reads outside itself (possible with --impure)', () => {
  it('is keyed by every file it copies and by what it reads outside', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'outside'));
    mkdirSync(join(root, 'flake'));
    writeFileSync(join(root, 'outside', 'module.nix'), '{ v = 1; }\n');
    writeFileSync(join(root, 'outside', 'secret.txt'), 's1');
    writeFileSync(join(root, 'outside', 'unrelated.txt'), 'u1');
    writeFileSync(
      join(root, 'flake', 'flake.nix'),
      `{ outputs = { self }: { nixosConfigurations.h.config = {
          imported = (import ${root}/outside/module.nix).v;
          read = builtins.readFile ${root}/outside/secret.txt;
          own = import ./own.nix;
        }; }; }\n`,
    );
    writeFileSync(join(root, 'flake', 'own.nix'), '1\n');
    await settle();
    const target: EvalTarget = { base: { kind: 'flake', flake: `path:${root}/flake`, attrPath: ['nixosConfigurations', 'h'] }, sourceDir: join(root, 'flake'), sourceScope: 'path' };
    const paths: EvalItem[] = ['imported', 'read', 'own'].map((p) => ({ variant: { config: null, priority: 100 }, root: 'config', path: [p], evidence: false }));
    const cacheDir = tempDir();
    const evaluate = () => new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, paths);
    const values = async () => {
      const r = await evaluate();
      return { values: r.outcomes.map((o) => (o.status === 'value' ? o.value : o.error)), cached: r.fromCache.every(Boolean) };
    };

    expect(await values()).toEqual({ values: [1, 's1', 1], cached: false });
    expect(await values()).toEqual({ values: [1, 's1', 1], cached: true });
    writeFileSync(join(root, 'outside', 'unrelated.txt'), 'u2');
    expect(await values()).toEqual({ values: [1, 's1', 1], cached: true });
    writeFileSync(join(root, 'outside', 'secret.txt'), 's2');
    await settle();
    expect(await values()).toEqual({ values: [1, 's2', 1], cached: false });
    expect(await values()).toEqual({ values: [1, 's2', 1], cached: true });
    writeFileSync(join(root, 'outside', 'module.nix'), '{ v = 2; }\n');
    expect(await values()).toEqual({ values: [2, 's2', 1], cached: false });
    writeFileSync(join(root, 'flake', 'own.nix'), '2\n');
    expect(await values()).toEqual({ values: [2, 's2', 2], cached: false });
  });
});

describe('what a scan of the files cannot bound', () => {
  const evaluateFile = (file: string, cacheDir: string) =>
    new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate({ base: { kind: 'file', file, attrPath: [] }, sourceDir: join(file, '..'), sourceScope: 'files' }, [
      { variant: { config: null, priority: 100 }, root: 'attr', path: ['value'], evidence: false },
    ]);

  it('an environment variable read by name is part of the key', async () => {
    const dir = tempDir();
    const file = join(dir, 'target.nix');
    writeFileSync(file, '{ value = builtins.getEnv "NIXCHECK_TEST_VALUE"; }\n');
    await settle();
    const cacheDir = tempDir();
    process.env.NIXCHECK_TEST_VALUE = 'one';
    try {
      expect((await evaluateFile(file, cacheDir)).outcomes[0]).toMatchObject({ value: 'one' });
      expect((await evaluateFile(file, cacheDir)).fromCache).toEqual([true]);
      process.env.NIXCHECK_TEST_VALUE = 'two';
      const changed = await evaluateFile(file, cacheDir);
      expect(changed.fromCache).toEqual([false]);
      expect(changed.outcomes[0]).toMatchObject({ value: 'two' });
    } finally {
      delete process.env.NIXCHECK_TEST_VALUE;
    }
  });

  it.each([
    ['the clock', '{ value = builtins.currentTime > 0; }', /builtins.currentTime \(line 1\)/],
    ['a variable of a computed name', '{ value = let name = "HOME"; in builtins.getEnv name != ""; }', /getEnv with a computed name/],
    ['a path made from a string', '{ value = builtins.pathExists (/. + "/etc"); }', /\/ is too wide to fingerprint/],
  ])('an evaluation that reads %s is not cached', async (_, source, reason) => {
    const dir = tempDir();
    const file = join(dir, 'target.nix');
    writeFileSync(file, `${source}\n`);
    await settle();
    const cacheDir = tempDir();
    const first = await evaluateFile(file, cacheDir);
    expect(first.outcomes[0]).toMatchObject({ status: 'value', value: true });
    expect(first.notCached).toMatch(reason);
    expect((await evaluateFile(file, cacheDir)).processes).toBe(1);
  });
});

describe('a flake edited while nixcheck evaluates it', () => {
  it('is not cached: reverting the edit later must not bring back the answer to the edited files', async () => {
    const root = tempDir();
    const flake = join(root, 'flake');
    mkdirSync(flake);
    writeFileSync(join(flake, 'flake.nix'), '{ outputs = { self }: { nixosConfigurations.h.config.value = import ./value.nix; }; }\n');
    writeFileSync(join(flake, 'value.nix'), '1\n');
    // A Nix that edits the flake once, after nixcheck fingerprinted it and before it is read.
    const wrapper = join(root, 'nix');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nif [ "$1" != --version ] && [ ! -e ${root}/edited ]; then touch ${root}/edited; echo 2 > ${flake}/value.nix; fi\nexec nix "$@"\n`,
      { mode: 0o755 },
    );
    await settle();
    const target: EvalTarget = { base: { kind: 'flake', flake: `path:${flake}`, attrPath: ['nixosConfigurations', 'h'] }, sourceDir: flake, sourceScope: 'path' };
    const cacheDir = tempDir();
    const value = [{ variant: { config: null, priority: 100 }, root: 'config' as const, path: ['value'], evidence: false }];
    const saved = process.env.NIXCHECK_NIX;
    process.env.NIXCHECK_NIX = wrapper;
    try {
      const during = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, value);
      expect(during.outcomes[0]).toMatchObject({ value: 2 });
      expect(during.notCached).toMatch(/changed while Nix was evaluating/);
      writeFileSync(join(flake, 'value.nix'), '1\n');
      const reverted = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, value);
      expect(reverted.outcomes[0]).toMatchObject({ value: 1 });
    } finally {
      if (saved === undefined) delete process.env.NIXCHECK_NIX;
      else process.env.NIXCHECK_NIX = saved;
    }
  });
});

describe('what Nix tells a flake about its source besides its files', () => {
  const valueItem = [{ variant: { config: null, priority: 100 }, root: 'config' as const, path: ['value'], evidence: false }];
  const flakeWith = (value: string) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'flake.nix'), `{ outputs = { self }: { nixosConfigurations.h.config.value = ${value}; }; }\n`);
    writeFileSync(join(dir, 'other.txt'), 'x\n');
    return dir;
  };
  const answer = async (target: EvalTarget, cacheDir: string | null) => {
    const r = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, valueItem);
    return { value: r.outcomes[0]!.status === 'value' ? r.outcomes[0]!.value : r.outcomes[0], cached: r.fromCache[0] };
  };

  it('self.lastModified of a path: flake follows modification times', async () => {
    const dir = flakeWith('self.lastModified');
    await settle();
    const target: EvalTarget = { base: { kind: 'flake', flake: `path:${dir}`, attrPath: ['nixosConfigurations', 'h'] }, sourceDir: dir, sourceScope: 'path' };
    const cacheDir = tempDir();
    const first = await answer(target, cacheDir);
    expect((await answer(target, cacheDir)).cached).toBe(true);
    // The same content, a newer time.
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(join(dir, 'other.txt'), later, later);
    const touched = await answer(target, cacheDir);
    expect(touched).toEqual({ value: (await answer(target, null)).value, cached: false });
    expect(touched.value).not.toBe(first.value);
  });

  it('a path: flake that does not read lastModified stays cached when only times change (a fresh checkout)', async () => {
    const dir = flakeWith('1');
    await settle();
    const target: EvalTarget = { base: { kind: 'flake', flake: `path:${dir}`, attrPath: ['nixosConfigurations', 'h'] }, sourceDir: dir, sourceScope: 'path' };
    const cacheDir = tempDir();
    await answer(target, cacheDir);
    const earlier = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, 'other.txt'), earlier, earlier);
    expect(await answer(target, cacheDir)).toEqual({ value: 1, cached: true });
  });

  it('self.rev of a git+file: flake follows the commit', async () => {
    const dir = flakeWith('self.rev or "dirty"');
    const git = gitIn(dir);
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    await settle();
    const target = flakeEvalTarget(resolveFlake(`git+file:${dir}`, dir), ['nixosConfigurations', 'h']);
    const cacheDir = tempDir();
    const first = await answer(target, cacheDir);
    expect(first.value).toBe(git('rev-parse', 'HEAD').trim());
    expect((await answer(target, cacheDir)).cached).toBe(true);
    git('commit', '-q', '--allow-empty', '-m', 'two');
    const committed = await answer(target, cacheDir);
    expect(committed).toEqual({ value: git('rev-parse', 'HEAD').trim(), cached: false });
  });
});

describe('a flake given as a directory in git', () => {
  const item = [{ variant: { config: null, priority: 100 }, root: 'config' as const, path: ['value'], evidence: false }];
  const trackedFlake = (value: string, sub = '') => {
    const top = tempDir();
    const dir = join(top, sub);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'flake.nix'), `{ outputs = { self }: { nixosConfigurations.h.config.value = ${value}; }; }\n`);
    const git = gitIn(top);
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'the flake');
    return { top, dir };
  };

  it('is read as the nix CLI reads `.`: git+file, with ?dir= below the top', () => {
    const { top, dir } = trackedFlake('1', 'hosts/my flake');
    expect(resolveFlake(dir, dir)).toEqual({ ref: `git+file:${top}?dir=hosts/my%20flake`, localDir: dir });
    const atTop = trackedFlake('1').top;
    expect(resolveFlake('.', atTop)).toEqual({ ref: `git+file:${atTop}`, localDir: atTop });
    const plain = tempDir();
    writeFileSync(join(plain, 'flake.nix'), '{ outputs = _: { }; }\n');
    expect(resolveFlake(plain, plain)).toEqual({ ref: plain, localDir: plain });
  });

  it('stays cached when untracked files appear in it (reports written into the flake)', async () => {
    const { dir } = trackedFlake('1', 'sub');
    await settle();
    const target = flakeEvalTarget(resolveFlake(dir, dir), ['nixosConfigurations', 'h']);
    const cacheDir = tempDir();
    const evaluate = () => new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, item);
    expect((await evaluate()).outcomes[0]).toMatchObject({ value: 1 });
    mkdirSync(join(dir, 'reports'));
    writeFileSync(join(dir, 'reports', 'results.json'), '{}\n');
    const again = await evaluate();
    expect(again.fromCache).toEqual([true]);
  });

  it('does not see an untracked file it imports, as `nix eval .#` does not; a tracked edit is seen', async () => {
    const { top, dir } = trackedFlake('import ./data.nix');
    writeFileSync(join(dir, 'data.nix'), '1\n');
    await settle();
    const target = flakeEvalTarget(resolveFlake(dir, dir), ['nixosConfigurations', 'h']);
    const cacheDir = tempDir();
    const evaluate = () => new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, item);
    expect((await evaluate()).outcomes[0]).toMatchObject({ status: 'error' });
    gitIn(top)('add', 'data.nix');
    expect((await evaluate()).outcomes[0]).toMatchObject({ value: 1 });
    writeFileSync(join(dir, 'data.nix'), '2\n');
    const edited = await evaluate();
    expect(edited.fromCache).toEqual([false]);
    expect(edited.outcomes[0]).toMatchObject({ value: 2 });
  });
});
