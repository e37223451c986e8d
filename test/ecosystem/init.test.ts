/**
 * `nixcheck init` in a copy of the offline example flake outside any git repository
 * (so Nix reads it as a `path:` flake), then `nixcheck test` there: every generated case
 * passes on the first run. The workflow it writes runs only a pinned nixcheck.
 */
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { execa } from 'execa';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { initCommand } from '../../src/cli/commands/init.js';
import { loadConfig } from '../../src/config/config.js';
import { SCHEMAS_DIR } from '../../src/init/editor-schemas.js';
import { WORKFLOW_FILE, formatInitReport, initProject, yamlString } from '../../src/init/init-project.js';
import { isPinnedFlakeRef, isPinnedNpmSpec } from '../../src/init/pin.js';
import { suiteFileNames } from '../../src/init/suite-file-names.js';
import { InputError } from '../../src/util/errors.js';
import { resolveFlake } from '../../src/nix/flake-ref.js';
import type { RunResult } from '../../src/result/model.js';
import { loadSuite } from '../../src/suite/load-suite.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';
import { expectRealCommands, invocations } from '../helpers/recipes.js';

const TSX = join(REPO, 'node_modules', '.bin', 'tsx');
const BIN = join(REPO, 'src', 'cli', 'bin.ts');

async function runInit(values: Record<string, unknown>): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    const code = await initCommand.run(values, []);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

describe('nixcheck init on a copy of the offline example flake', () => {
  const dir = join(tempDir('nixcheck-init-'), 'flake');
  const cache = tempDir();
  let first: { code: number; out: string };

  beforeAll(async () => {
    cpSync(OFFLINE_FLAKE, dir, { recursive: true });
    first = await runInit({ flake: dir, 'cache-dir': cache });
  }, 120_000);

  it('evaluates a plain directory as Nix does: a path, read in full', () => {
    expect(resolveFlake(dir, dir)).toEqual({ ref: dir, localDir: dir });
  });

  it('writes nixcheck.yaml, a suite per host and the schemas, and lists them', async () => {
    expect(first.code).toBe(0);
    const hosts = ['bare', 'broken', 'desktop', 'k3s-node', 'laptop'];
    expect(readdirSync(join(dir, 'suites/unit')).sort()).toEqual(hosts.map((h) => `${h}.yaml`));
    const schemas = ['config', 'matchers', 'suite'].map((n) => `${SCHEMAS_DIR}/${n}.schema.json`);
    expect(readdirSync(join(dir, SCHEMAS_DIR)).sort()).toEqual(['config', 'matchers', 'suite'].map((n) => `${n}.schema.json`));
    for (const f of ['nixcheck.yaml', ...hosts.map((h) => `suites/unit/${h}.yaml`), ...schemas]) {
      expect(first.out).toMatch(new RegExp(`^written +${f.replace(/[.]/g, '\\.')}$`, 'm'));
    }
    const config = await loadConfig(join(dir, 'nixcheck.yaml'));
    // loadConfig makes the file's relative entries absolute against the file.
    expect(config).toMatchObject({ flake: dir, suites: [join(dir, 'suites/unit/*.yaml')], out: join(dir, 'reports') });
  });

  it('writes no workflow when nothing pins nixcheck, and says how to pin it', () => {
    expect(existsSync(join(dir, WORKFLOW_FILE))).toBe(false);
    expect(first.out).toMatch(/No \.github\/workflows\/nixcheck\.yml written: nothing pins the nixcheck/);
    expect(first.out).toMatch(/npm install -D <nixcheck git URL>#<tag>/);
    expect(first.out).toMatch(/--nixcheck-flake/);
    expect(first.out).not.toMatch(/npx/);
  });

  it('points every $schema comment at a schema inside the repository, whose $refs resolve next to it', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    for (const name of readdirSync(join(dir, SCHEMAS_DIR))) {
      const file = join(dir, SCHEMAS_DIR, name);
      const schema = JSON.parse(readFileSync(file, 'utf8'));
      expect(schema.$id).toBeUndefined();
      // As an editor does: the file's own location is the base of its references.
      ajv.addSchema(schema, pathToFileURL(file).href);
    }
    const yamlFiles = ['nixcheck.yaml', ...readdirSync(join(dir, 'suites/unit')).map((f) => `suites/unit/${f}`)];
    for (const rel of yamlFiles) {
      const file = join(dir, rel);
      const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
      expect(ref, rel).toBeDefined();
      const target = resolve(dirname(file), ref!);
      expect(target.startsWith(join(dir, SCHEMAS_DIR)), `${rel} -> ${ref}`).toBe(true);
      const validate = ajv.getSchema(pathToFileURL(target).href)!;
      expect(validate(parse(readFileSync(file, 'utf8'))), `${rel}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // A typo is caught through the suite schema's reference to the matcher schema.
    const suite = ajv.getSchema(pathToFileURL(join(dir, SCHEMAS_DIR, 'suite.schema.json')).href)!;
    expect(suite({ cases: [{ name: 'x', path: 'a', not: { equal: 1 } }] })).toBe(false);
  });

  it('writes suites that load, carry the $schema comment, say they pin today\'s values, and assert what the host evaluates to', async () => {
    const text = readFileSync(join(dir, 'suites/unit/laptop.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../.nixcheck/schemas/suite.schema.json');
    expect(text).toMatch(/passes on the first run/);
    const suite = await loadSuite(join(dir, 'suites/unit/laptop.yaml'));
    const byPath = Object.fromEntries(suite.cases.map((c) => [c.pathText, c.matchers.equals]));
    expect(byPath).toEqual({
      'networking.hostName': 'laptop',
      'networking.firewall.enable': true,
      'services.openssh.enable': true,
      'services.openssh.settings.PermitRootLogin': 'no',
      'services.openssh.settings.PasswordAuthentication': false,
      'boot.kernel.sysctl."kernel.kptr_restrict"': 2,
      'security.auditd.enable': true,
    });
    // SSH settings only where the SSH server runs.
    const bare = parse(readFileSync(join(dir, 'suites/unit/bare.yaml'), 'utf8')) as { cases: { path: string; equals: unknown }[] };
    expect(bare.cases.find((c) => c.path === 'services.openssh.enable')?.equals).toBe(false);
    expect(bare.cases.some((c) => c.path.startsWith('services.openssh.settings'))).toBe(false);
    // desktop writes kptr_restrict as the string "1": pinned as written.
    const desktop = parse(readFileSync(join(dir, 'suites/unit/desktop.yaml'), 'utf8')) as { cases: { path: string; equals: unknown }[] };
    expect(desktop.cases.find((c) => c.path === 'boot.kernel.sysctl."kernel.kptr_restrict"')?.equals).toBe('1');
  });

  it('generates cases that all pass under `nixcheck test` in that directory', async () => {
    const out = tempDir();
    const r = await execa(TSX, [BIN, 'test', '--cache-dir', cache, '--out', out], { cwd: dir, reject: false });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    expect(result.summary.total).toBeGreaterThanOrEqual(30);
    expect(result.summary).toMatchObject({ pass: result.summary.total, fail: 0, error: 0, skip: 0 });
    expect(result.flake).toBe(dir);
  });

  it('keeps every existing file without --force, and says so', async () => {
    writeFileSync(join(dir, 'suites/unit/laptop.yaml'), '# mine\n');
    const again = await runInit({ flake: dir, 'cache-dir': cache });
    expect(again.code).toBe(0);
    expect(again.out).not.toMatch(/^written/m);
    expect(again.out).toMatch(/^kept +suites\/unit\/laptop\.yaml \(exists; --force rewrites it\)$/m);
    expect(again.out).toMatch(/Nothing written: every file exists/);
    expect(readFileSync(join(dir, 'suites/unit/laptop.yaml'), 'utf8')).toBe('# mine\n');
  });

  it('rewrites them with --force', async () => {
    const forced = await runInit({ flake: dir, 'cache-dir': cache, force: true });
    expect(forced.out).toMatch(/^rewritten +suites\/unit\/laptop\.yaml$/m);
    expect(forced.out).toMatch(/^rewritten +nixcheck\.yaml$/m);
    expect(readFileSync(join(dir, 'suites/unit/laptop.yaml'), 'utf8')).toMatch(/^# yaml-language-server/);
  });

  it('writes only the hosts asked for, and refuses a directory without flake.nix', async () => {
    const other = join(tempDir('nixcheck-init-'), 'flake');
    cpSync(OFFLINE_FLAKE, other, { recursive: true });
    const report = await initProject({ dir: other, hosts: ['laptop'], workflow: false, timeoutMs: 60_000, cacheDir: cache });
    expect(report.files.map((f) => f.path)).toEqual([...['config', 'suite', 'matchers'].map((n) => `${SCHEMAS_DIR}/${n}.schema.json`), 'nixcheck.yaml', 'suites/unit/laptop.yaml']);
    const text = formatInitReport(report);
    expect(text).not.toMatch(/workflow/i);
    expect(text).toMatch(/^Next: run `nixcheck test` here/m);
    await expect(initProject({ dir: tempDir(), timeoutMs: 60_000, cacheDir: cache })).rejects.toThrow(/no flake\.nix/);
  });
});

describe('nixcheck init: the workflow runs a pinned nixcheck', () => {
  const cache = tempDir();
  const flake = (extra: Record<string, string> = {}) => {
    const dir = join(tempDir('nixcheck-init-'), 'flake');
    cpSync(OFFLINE_FLAKE, dir, { recursive: true });
    for (const [file, text] of Object.entries(extra)) writeFileSync(join(dir, file), text);
    return dir;
  };
  const init = (dir: string, more: Partial<Parameters<typeof initProject>[0]> = {}) => initProject({ dir, hosts: ['laptop'], timeoutMs: 60_000, cacheDir: cache, ...more });
  const recipe = readFileSync(join(REPO, 'recipes/github-actions.yml'), 'utf8');
  const workflowOf = (dir: string) => readFileSync(join(dir, WORKFLOW_FILE), 'utf8');
  const runLines = (text: string) => (parse(text) as { jobs: { nixcheck: { steps: { run?: string }[] } } }).jobs.nixcheck.steps.flatMap((s) => (s.run ? [s.run.trim()] : []));
  const pkg = (spec: string) => ({ 'package.json': JSON.stringify({ name: 'hosts', private: true, devDependencies: { nixcheck: spec } }) });

  it('package.json at a git tag: the recipe itself, running the copy npm ci installs', async () => {
    const dir = flake(pkg('github:example/nixcheck#v0.1.0'));
    const report = await init(dir);
    expect(report.workflow).toEqual({ asked: true, pin: { kind: 'npm', spec: 'github:example/nixcheck#v0.1.0' } });
    const text = workflowOf(dir);
    expect(text.slice(text.search(/^name:/m))).toBe(recipe.slice(recipe.search(/^name:/m)));
    expect(text).toMatch(/^# nixcheck comes from package\.json \(github:example\/nixcheck#v0\.1\.0\)/m);
    expect(runLines(text)).toEqual(['npm ci', 'node_modules/.bin/nixcheck test --reporter github --reporter junit', 'node_modules/.bin/nixcheck comply --profile cis-l1-server --fail-on high']);
    expectRealCommands(invocations(text));
    expect(formatInitReport(report)).toMatch(/The workflow also runs the compliance gate/);
  });

  it('refuses a package.json range, which can change under the user', async () => {
    await expect(init(flake(pkg('^0.1.0')))).rejects.toThrow(InputError);
    await expect(init(flake(pkg('^0.1.0')))).rejects.toThrow(/package\.json asks for nixcheck "\^0\.1\.0", which can change under you/);
  });

  it('a flake reference naming a commit: nix run of exactly that commit', async () => {
    const ref = `github:example/nixcheck/${'a1'.repeat(20)}`;
    const dir = flake();
    await init(dir, { nixcheckFlake: ref });
    const text = workflowOf(dir);
    expect(runLines(text)).toEqual([`nix run '${ref}#nixcheck' -- test --reporter github --reporter junit`, `nix run '${ref}#nixcheck' -- comply --profile cis-l1-server --fail-on high`]);
    expect(text).not.toMatch(/setup-node|npm ci/);
    expectRealCommands(invocations(text));
    await expect(init(flake(), { nixcheckFlake: 'github:example/nixcheck' })).rejects.toThrow(/names no commit/);
    await expect(init(flake(), { nixcheckFlake: 'github:example/nixcheck/v1.0' })).rejects.toThrow(/names no commit/);
  });

  it("the flake's own input `nixcheck`, pinned by flake.lock: nix run --inputs-from resolves to the locked input", async () => {
    // A stand-in for nixcheck's flake: only its name is checked, through the user's lock.
    const standIn = tempDir('nixcheck-standin-');
    writeFileSync(join(standIn, 'flake.nix'), '{ outputs = { self }: { packages.x86_64-linux.nixcheck.name = "nixcheck-stand-in"; }; }\n');
    const dir = flake();
    const flakeFile = join(dir, 'flake.nix');
    writeFileSync(flakeFile, readFileSync(flakeFile, 'utf8').replace('outputs = { self }:', `inputs.nixcheck.url = "path:${standIn}";\n  outputs = { self, ... }:`));
    const locked = await execa('nix', ['--extra-experimental-features', 'nix-command flakes', 'flake', 'lock'], { cwd: dir, reject: false });
    expect(locked.exitCode, locked.stderr).toBe(0);
    await init(dir);
    const text = workflowOf(dir);
    const lines = runLines(text);
    expect(lines).toEqual(['nix run --inputs-from . nixcheck#nixcheck -- test --reporter github --reporter junit', 'nix run --inputs-from . nixcheck#nixcheck -- comply --profile cis-l1-server --fail-on high']);
    expect(text).toMatch(/nix flake lock --update-input nixcheck/);
    // What `nixcheck#nixcheck` means from the flake's directory: the locked input (no global registry).
    const registry = join(tempDir(), 'registry.json');
    writeFileSync(registry, JSON.stringify({ flakes: [], version: 2 }));
    const r = await execa('nix', ['--extra-experimental-features', 'nix-command flakes', '--option', 'flake-registry', registry, 'eval', '--raw', '--inputs-from', '.', 'nixcheck#packages.x86_64-linux.nixcheck.name'], { cwd: dir, reject: false });
    expect(r.stdout, r.stderr).toBe('nixcheck-stand-in');
  }, 120_000);
});

describe('suite file names', () => {
  it('gives distinct hosts distinct files, also on case-insensitive file systems', () => {
    const names = suiteFileNames(['laptop', 'web 1', 'web_1', 'Web', 'web', '.hidden', 'a/b']);
    expect(names.get('laptop')).toBe('laptop.yaml');
    expect(names.get('web_1')).toBe('web_1.yaml');
    expect(names.get('web 1')).toMatch(/^web_1-[0-9a-f]{8}\.yaml$/);
    expect(names.get('.hidden')).toMatch(/^_hidden-[0-9a-f]{8}\.yaml$/);
    expect(names.get('a/b')).toMatch(/^a_b-[0-9a-f]{8}\.yaml$/);
    expect(names.get('Web')).not.toBe(names.get('web'));
    const folded = [...names.values()].map((n) => n.toLowerCase());
    expect(new Set(folded).size).toBe(folded.length);
  });

  it('writes one suite per host for hosts "web 1" and web_1', async () => {
    const dir = join(tempDir('nixcheck-init-'), 'flake');
    cpSync(OFFLINE_FLAKE, dir, { recursive: true });
    const flakeFile = join(dir, 'flake.nix');
    writeFileSync(flakeFile, readFileSync(flakeFile, 'utf8').replace('nixosConfigurations = hostsFor (import ./nixos-options);', 'nixosConfigurations = hostsFor (import ./nixos-options) // {\n        "web 1" = mkHost (import ./nixos-options) "bare";\n        web_1 = mkHost (import ./nixos-options) "laptop";\n      };'));
    const report = await initProject({ dir, hosts: ['web 1', 'web_1'], workflow: false, timeoutMs: 60_000, cacheDir: tempDir() });
    const suites = report.files.filter((f) => f.path.startsWith('suites/'));
    expect(suites.map((f) => f.status)).toEqual(['written', 'written']);
    expect(new Set(suites.map((f) => f.path)).size).toBe(2);
    const targets = await Promise.all(suites.map(async (f) => (await loadSuite(join(dir, f.path))).cases[0]!.targets));
    expect(targets).toEqual([[{ host: 'web 1' }], [{ host: 'web_1' }]]);
  }, 120_000);
});

describe('pins', () => {
  it('knows which flake references and npm specs name one nixcheck', () => {
    const rev = 'a1'.repeat(20);
    for (const ref of [`github:o/nixcheck/${rev}`, `git+https://example.org/nixcheck.git?rev=${rev}`, `git+https://example.org/nixcheck.git?ref=main&rev=${rev}`]) expect(isPinnedFlakeRef(ref), ref).toBe(true);
    for (const ref of ['github:o/nixcheck', 'github:o/nixcheck/main', 'github:o/nixcheck/v1.0.0', 'git+https://example.org/nixcheck.git?ref=main', 'path:/x']) expect(isPinnedFlakeRef(ref), ref).toBe(false);
    for (const spec of ['0.1.0', '1.2.3-rc.1', 'github:o/nixcheck#v0.1.0', `git+https://example.org/nixcheck.git#${rev}`, 'o/nixcheck#v1', 'file:vendor/nixcheck-0.1.0.tgz']) expect(isPinnedNpmSpec(spec), spec).toBe(true);
    for (const spec of ['^0.1.0', '~0.1.0', '*', 'latest', '>=0.1', 'github:o/nixcheck', 'github:o/nixcheck#semver:^1', 'o/nixcheck']) expect(isPinnedNpmSpec(spec), spec).toBe(false);
  });
});

describe('yamlString', () => {
  it('quotes what YAML would read as something else', () => {
    for (const s of ['laptop', 'no', 'yes', 'true', '1', '0x1F', 'a: b', '#x', 'boot.kernel.sysctl."kernel.kptr_restrict"', "it's", 'host name is "x"', ' lead', 'trail ', 'ünï', '']) {
      expect(parse(`k: ${yamlString(s)}`)).toEqual({ k: s });
    }
    expect(yamlString('laptop baseline')).toBe('laptop baseline');
  });
});
