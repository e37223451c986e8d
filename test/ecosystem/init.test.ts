/**
 * `nixcheck init` in a copy of the offline example flake outside any git repository
 * (so Nix reads it as a `path:` flake), then `nixcheck test` there: every generated case
 * passes on the first run.
 */
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { initCommand } from '../../src/cli/commands/init.js';
import { loadConfig } from '../../src/config/config.js';
import { WORKFLOW_FILE, initProject, yamlString } from '../../src/init/init-project.js';
import { resolveFlake } from '../../src/nix/flake-ref.js';
import type { RunResult } from '../../src/result/model.js';
import { loadSuite } from '../../src/suite/load-suite.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

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

  it('writes nixcheck.yaml, a suite per host and the GitHub workflow, and lists them', async () => {
    expect(first.code).toBe(0);
    const hosts = ['bare', 'broken', 'desktop', 'k3s-node', 'laptop'];
    expect(readdirSync(join(dir, 'suites/unit')).sort()).toEqual(hosts.map((h) => `${h}.yaml`));
    for (const f of ['nixcheck.yaml', ...hosts.map((h) => `suites/unit/${h}.yaml`), WORKFLOW_FILE]) {
      expect(first.out).toMatch(new RegExp(`^written +${f.replace(/[.]/g, '\\.')}$`, 'm'));
    }
    const config = await loadConfig(join(dir, 'nixcheck.yaml'));
    // loadConfig makes the file's relative entries absolute against the file.
    expect(config).toMatchObject({ flake: dir, suites: [join(dir, 'suites/unit/*.yaml')], out: join(dir, 'reports') });
    expect(readFileSync(join(dir, WORKFLOW_FILE), 'utf8')).toBe(readFileSync(join(REPO, 'recipes/github-actions.yml'), 'utf8'));
  });

  it('writes suites that load, carry the $schema comment, say they pin today\'s values, and assert what the host evaluates to', async () => {
    const text = readFileSync(join(dir, 'suites/unit/laptop.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../node_modules/nixcheck/schemas/suite.schema.json');
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
    expect(report.files.map((f) => f.path)).toEqual(['nixcheck.yaml', 'suites/unit/laptop.yaml']);
    await expect(initProject({ dir: tempDir(), timeoutMs: 60_000, cacheDir: cache })).rejects.toThrow(/no flake\.nix/);
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
