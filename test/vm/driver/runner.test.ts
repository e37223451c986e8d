// Runner tests against the STAND-IN driver (test/fixtures/driver-logs/stand-in-driver.mjs):
// it replays recorded logs in the real driver's format; no VM is booted.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../src/vm/driver/types.js';
import { flakeCheck, loadIntegrationSuites, runIntegrationTests, type IntegrationTest } from '../../../src/vm/integration/index.js';
import { tempDir } from '../../helpers/paths.js';
import { LOGS, REPO_ROOT, STAND_IN } from './helpers.js';
import { alive } from '../../helpers/process.js';


const standIn = (log: string, ...extra: string[]) => [process.execPath, STAND_IN, '--log', join(LOGS, log), ...extra];

async function sshTest(): Promise<IntegrationTest> {
  const tests = await loadIntegrationSuites(['suites/integration/ssh-and-firewall.yaml'], REPO_ROOT);
  return tests.find((t) => t.name === 'sshd is up on the laptop')!;
}

describe('runIntegrationTests against the stand-in driver', () => {
  it('a passing run: one case per step plus the test, durations from the markers, artifacts written', async () => {
    const outDir = tempDir('nixcheck-vm-out-');
    const events: ProgressEvent[] = [];
    const cases = await runIntegrationTests([await sshTest()], {
      flakeRef: 'github:example/infra',
      outDir,
      driverCommand: standIn('integration-pass.log', '--delay-ms', '1'),
      onProgress: (e) => events.push(e),
    });
    expect(cases.map((c) => [c.name, c.verdict])).toEqual([
      ['sshd is up on the laptop › 0. boot laptop to multi-user.target', 'pass'],
      ['sshd is up on the laptop › 1. laptop: wait for unit sshd.service', 'pass'],
      ['sshd is up on the laptop › 2. laptop: wait for port 22', 'pass'],
      ['sshd is up on the laptop › 3. sshd refuses password logins', 'pass'],
      ['sshd is up on the laptop › 4. root login is not allowed with a password', 'pass'],
      ['sshd is up on the laptop', 'pass'],
    ]);
    expect(cases.map((c) => c.durationMs).slice(0, 5)).toEqual([14500, 350, 120, 220, 200]);
    const step3 = cases[3]!;
    expect(step3).toMatchObject({
      kind: 'integration',
      target: { label: 'laptop', host: 'laptop' },
      actual: 'passwordauthentication no',
      expected: 'exits 0 and stdout matches /^passwordauthentication no$/',
      properties: expect.objectContaining({ node: 'laptop', flaky: 'false', attempts: '1' }),
    });
    expect(step3.location.file).toBe(join('suites', 'integration', 'ssh-and-firewall.yaml'));
    const dir = join(outDir, 'ssh-and-firewall-sshd-is-up-on-the-laptop');
    for (const f of ['test.nix', 'testScript.py', 'driver.log', 'driver-attempt-1.log', 'result.json']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(readFileSync(join(dir, 'driver.log'), 'utf8')).toContain('nixcheck-step-end 4 ok');
    expect(readFileSync(join(dir, 'driver.log'), 'utf8')).not.toContain('\u001b');
    expect(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'))).toMatchObject({ passed: true, flaky: false });
    expect(events.filter((e) => e.phase === 'step-end').map((e) => [e.step, e.status])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'ok'], [3, 'ok'], [4, 'ok']]);
    expect(events.find((e) => e.phase === 'step-begin' && e.step === 3)?.title).toBe('3. sshd refuses password logins');
  });

  it('a failing run: the failed step carries the error and machine lines, later steps are skipped', async () => {
    const cases = await runIntegrationTests([await sshTest()], {
      flakeRef: 'x',
      outDir: tempDir('nixcheck-vm-out-'),
      driverCommand: standIn('integration-fail.log', '--exit', '1'),
    });
    expect(cases.map((c) => c.verdict)).toEqual(['pass', 'pass', 'pass', 'fail', 'skip', 'fail']);
    expect(cases[3]!.message).toBe("command `sshd -T | grep -i '^passwordauthentication'` failed (exit code 1)");
    expect(cases[3]!.error).toContain('laptop # [   15.101010] sshd[812]: error: Bind to port 22 on 0.0.0.0 failed');
    expect(cases[3]!.error).toContain('RequestedAssertionFailed');
    expect(cases[3]!.durationMs).toBe(230);
    expect(cases[4]!.message).toBe('not run: step 3 failed');
    expect(cases[5]!.message).toContain('1 step(s) failed: 3. sshd refuses password logins');
    expect(cases[5]!.properties).toMatchObject({ exitCode: '1' });
  });

  it('expect matchers on stdout fail a step even when the command succeeded', async () => {
    const test = await sshTest();
    const strict: IntegrationTest = {
      ...test,
      steps: test.steps.map((s) => (s.index === 4 && s.kind === 'succeed' ? { ...s, expect: { matches: '^permitrootlogin no$' } } : s)),
    };
    const cases = await runIntegrationTests([strict], { flakeRef: 'x', outDir: tempDir('nixcheck-vm-out-'), driverCommand: standIn('integration-pass.log') });
    expect(cases[4]).toMatchObject({ verdict: 'fail', actual: 'permitrootlogin prohibit-password' });
    expect(cases[4]!.message).toMatch(/^output /);
    expect(cases[5]!.verdict).toBe('fail');
  });

  it('retries: a pass on the second attempt is marked flaky, every attempt log is kept', async () => {
    const outDir = tempDir('nixcheck-vm-out-');
    const cases = await runIntegrationTests([{ ...(await sshTest()), retries: 2 }], {
      flakeRef: 'x',
      outDir,
      driverCommand: (_t, attempt) => (attempt === 1 ? standIn('integration-fail.log', '--exit', '1') : standIn('integration-pass.log')),
    });
    expect(cases.map((c) => c.verdict)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    expect(cases[5]!.properties).toMatchObject({ flaky: 'true', attempts: '2' });
    expect(cases[5]!.message).toBe('passed on attempt 2 (flaky)');
    const dir = join(outDir, 'ssh-and-firewall-sshd-is-up-on-the-laptop');
    expect(readFileSync(join(dir, 'driver-attempt-1.log'), 'utf8')).toContain('failed with error');
    expect(readFileSync(join(dir, 'driver-attempt-2.log'), 'utf8')).toContain('nixcheck-step-end 4 ok');
  });

  it('a hung driver is killed at the timeout together with its grandchildren', async () => {
    const pidFile = join(tempDir('nixcheck-vm-hang-'), 'child.pid');
    const started = Date.now();
    const cases = await runIntegrationTests([{ ...(await sshTest()), timeoutS: 2 }], {
      flakeRef: 'x',
      outDir: tempDir('nixcheck-vm-out-'),
      killGraceMs: 300,
      driverCommand: standIn('hang.log', '--hang', '--pid-file', pidFile),
    });
    expect(Date.now() - started).toBeLessThan(15000);
    const child = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(child)).toBe(false);
    expect(cases.map((c) => c.verdict)).toEqual(['pass', 'pass', 'error', 'skip', 'skip', 'error']);
    expect(cases[2]).toMatchObject({ errorReason: 'timeout', message: 'timed out during this step' });
    expect(cases[2]!.error).toContain('laptop # [   20.000000] sshd[700]: Server listening on :: port 2222.');
    expect(cases[5]).toMatchObject({ errorReason: 'timeout' });
  });

  it('the global timeout stops tests that have not started', async () => {
    const test = await sshTest();
    const cases = await runIntegrationTests([test, { ...test, name: 'second' }], {
      flakeRef: 'x',
      outDir: tempDir('nixcheck-vm-out-'),
      globalTimeoutMs: 1500,
      concurrency: 1,
      killGraceMs: 200,
      driverCommand: standIn('hang.log', '--hang'),
    });
    const testCases = cases.filter((c) => !c.name.includes('›'));
    expect(testCases.map((c) => [c.name, c.verdict])).toEqual([['sshd is up on the laptop', 'error'], ['second', 'error']]);
    expect(testCases[1]!.message).toContain('global timeout');
  });

  it('a flake check by name: one case per subtest from the driver log', async () => {
    const cases = await runIntegrationTests([flakeCheck('nginx', { system: 'x86_64-linux' })], {
      flakeRef: 'x',
      outDir: tempDir('nixcheck-vm-out-'),
      driverCommand: standIn('flake-check-fail.log', '--exit', '1'),
    });
    expect(cases.map((c) => [c.name, c.verdict, c.durationMs])).toEqual([
      ['nginx › server starts nginx', 'pass', 21400],
      ['nginx › client fetches the page', 'fail', 510],
      ['nginx', 'fail', expect.any(Number)],
    ]);
    expect(cases[1]!.error).toContain("client: output: curl: (7) Failed to connect to server port 80");
    expect(cases[2]!.path).toBe('checks.x86_64-linux.nginx');
  });

  it('a test marked skip is reported as skipped without running', async () => {
    const cases = await runIntegrationTests([{ ...(await sshTest()), skip: 'needs hardware' }], { flakeRef: 'x', outDir: tempDir('nixcheck-vm-out-'), driverCommand: ['false'] });
    expect(cases.map((c) => [c.verdict, c.message])).toEqual([['skip', 'needs hardware']]);
  });
});
