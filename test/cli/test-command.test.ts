import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult, RunResult } from '../../src/result/model.js';
import { validatorFor } from '../../src/util/schemas.js';
import { judgeUnit, parseUnitExpectations } from '../../scripts/example-expectations.js';
import { REPO, tempDir } from '../helpers/paths.js';

/**
 * `nixcheck test` end to end, as `npm start` runs it: the example suites against the
 * offline fixture, real Nix, real reports. Expected verdicts: suites/unit/EXPECTED.md.
 */
describe('nixcheck test on the offline example flake', () => {
  const out = tempDir();
  const cache = tempDir();
  let run: { exitCode?: number; stdout: string; stderr: string };
  let result: RunResult;
  const find = (name: string, target?: string): CaseResult => {
    const hits = result.cases.filter((c) => c.name.startsWith(name) && (!target || c.target.label === target));
    expect(hits, `case "${name}"`).toHaveLength(1);
    return hits[0]!;
  };

  beforeAll(async () => {
    run = await execa('npx', ['tsx', 'src/cli/bin.ts', 'test', '--out', out, '--cache-dir', cache], { cwd: REPO, reject: false });
    result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  }, 180_000);

  it('exits 1 (deliberate findings) and prints the summary', () => {
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/129 passed, 11 failed, 2 errors, 1 skipped/);
  });

  it('has exactly the verdicts documented in suites/unit/EXPECTED.md', () => {
    expect(result.summary).toEqual({ total: 143, pass: 129, fail: 11, error: 2, skip: 1 });
    // As npm start judges it: every non-passing case where EXPECTED.md names it.
    expect(judgeUnit(result, parseUnitExpectations(readFileSync(join(REPO, 'suites/unit/EXPECTED.md'), 'utf8')))).toEqual([]);
    const failed = result.cases.filter((c) => c.verdict === 'fail');
    for (const c of failed) expect(c.name).toMatch(/^finding:/);
    expect(validatorFor('results')(result)).toBe(true);
  });

  it('shows forced overrides beating the hardening module, with file:line and priority', () => {
    const c = find('finding: IP forwarding should be off', 'k3s-node');
    expect(c.actual).toBe(1);
    expect(c.evidence).toMatchObject({ option: 'boot.kernel.sysctl', subPath: ['net.ipv4.ip_forward'], priority: 50, priorityName: 'mkForce', source: 'user' });
    expect(c.evidence!.definitions[0]).toMatchObject({ localFile: 'fixtures/offline/modules/profiles/k8s-lab.nix', priority: 50 });
    const line = readFileSync(join(REPO, 'fixtures/offline/modules/profiles/k8s-lab.nix'), 'utf8').split('\n')[c.evidence!.definitions[0]!.line! - 1];
    expect(line).toMatch(/net\.ipv4\.ip_forward/);
    expect(c.evidence!.overridden[0]).toMatchObject({ localFile: 'fixtures/offline/modules/security/hardening.nix' });
  });

  it('says when a value is a NixOS default nobody set', () => {
    const c = find('finding: root login should be "no"', 'bare');
    expect(c.actual).toBe('prohibit-password');
    expect(c.evidence!.source).toBe('default');
  });

  it('gives deliberately broken options their real Nix errors, and still answers the rest of the host', () => {
    const broken = result.cases.filter((c) => c.target.label === 'broken');
    const abort = broken.find((c) => c.path === 'kernelcore.debug.aborting')!;
    expect(abort.verdict).toBe('pass'); // `throws:` expected it
    const slow = broken.find((c) => c.path === 'kernelcore.debug.slow')!;
    expect(slow).toMatchObject({ verdict: 'error', errorReason: 'timeout' });
    expect(broken.filter((c) => c.verdict === 'pass').length).toBeGreaterThan(5);
    const demo = result.cases.find((c) => c.name.startsWith('demo:'))!;
    expect(demo.verdict).toBe('error');
    expect(demo.error).toMatch(/^error:/);
    expect(demo.error).not.toMatch(/\u001b\[/);
  });

  it('writes a JUnit report that validates against the project XSD', async () => {
    const r = await execa('xmllint', ['--noout', '--nonet', '--schema', join(REPO, 'schemas/junit/junit.xsd'), join(out, 'junit.xml')], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites [^>]*tests="143" failures="11" errors="2" skipped="1"/);
  });

  it('answers a rerun from the cache without starting Nix', async () => {
    const warmOut = tempDir();
    const again = await execa('npx', ['tsx', 'src/cli/bin.ts', 'test', '--out', warmOut, '--cache-dir', cache, '--host', 'laptop,desktop,k3s-node,bare'], { cwd: REPO, reject: false });
    const warm: RunResult = JSON.parse(readFileSync(join(warmOut, 'results.json'), 'utf8'));
    expect(again.exitCode).toBe(1);
    expect(warm.evaluations.every((e) => e.processes === 0)).toBe(true);
    expect(warm.cases.every((c) => c.cached || c.verdict === 'skip')).toBe(true);
  });
});

describe('nixcheck test output', () => {
  const cache = tempDir();
  const suite = join(REPO, 'suites/unit/laptop.yaml');
  const runWith = (...flags: string[]) =>
    execa('npx', ['tsx', 'src/cli/bin.ts', 'test', '--suite', suite, '--out', tempDir(), '--cache-dir', cache, ...flags], { cwd: REPO, reject: false });

  it('prints the one-line summary with --reporter json alone, and nothing with --quiet', async () => {
    const json = await runWith('--reporter', 'json');
    expect(json.exitCode, json.stderr).toBe(0);
    expect(json.stdout.trim()).toMatch(/^nixcheck 41 passed, 0 failed, 0 errors, 1 skipped \(42 checks, 1 target(, 1 from cache)?, [\d.]+ s\)$/);
    const quiet = await runWith('--reporter', 'json', '--quiet');
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stdout).toBe('');
    const quietTerminal = await runWith('--quiet');
    expect(quietTerminal.stdout).toBe('');
  }, 120_000);
});

describe('nixcheck test input errors', () => {
  it('exits 2 and names file:line for a broken suite', async () => {
    const dir = tempDir();
    const suite = join(dir, 'bad.yaml');
    await import('node:fs').then((fs) => fs.writeFileSync(suite, 'targets: [{ host: laptop }]\ncases:\n  - name: typo\n    path: networking.firewall.enable\n    equal: true\n'));
    const r = await execa('npx', ['tsx', 'src/cli/bin.ts', 'test', '--flake', 'fixtures/offline', '--suite', suite, '--out', dir], { cwd: REPO, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+: unknown key "equal"/);
  });

  it('exits 3 when the target does not load', async () => {
    const dir = tempDir();
    const suite = join(dir, 's.yaml');
    // (A host the flake does not have is a suite error, exit 2: test/cli/hostile-input.test.ts.)
    await import('node:fs').then((fs) => {
      fs.writeFileSync(join(dir, 'broken.nix'), 'throw "this-target-does-not-load"\n');
      fs.writeFileSync(suite, 'targets: [{ file: broken.nix }]\ncases:\n  - name: x\n    path: a\n    equals: 1\n');
    });
    const r = await execa('npx', ['tsx', 'src/cli/bin.ts', 'test', '--flake', 'fixtures/offline', '--suite', suite, '--out', dir, '--no-cache'], { cwd: REPO, reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/this-target-does-not-load/);
  });
});
