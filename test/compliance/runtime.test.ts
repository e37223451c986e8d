import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runComply } from '../../src/compliance/run-comply.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

// The runtime checks "run" through the STAND-IN driver (test/fixtures/driver-logs/
// stand-in-driver.mjs), which replays a log written here in the real driver's format with
// the marker lines nixcheck's generated test script prints. No VM boots.
const STAND_IN = join(REPO, 'test/fixtures/driver-logs/stand-in-driver.mjs');

function runtimeLog(records: { controlId: string; index: number; exitCode: number; stdout: string }[]): string {
  return [
    'Test will time out and terminate in 1800 seconds',
    'machine: starting vm',
    'machine # [  OK  ] Reached target Multi-User System.',
    ...records.map((r) => `nixcheck-runtime ${JSON.stringify(r)}`),
    'test script finished in 21.33s',
  ].join('\n');
}

describe('runtime compliance checks merged into the verdicts', () => {
  it('turns a runtime-only control into pass, and a static pass the live system contradicts into fail', async () => {
    const dir = tempDir();
    const log = join(dir, 'driver.log');
    writeFileSync(
      log,
      runtimeLog([
        { controlId: 'ssh-config-permissions', index: 0, exitCode: 0, stdout: '600 root root\n' },
        // The profile forces forwarding on, so the static check fails anyway; the
        // hardening-only laptop would pass statically: here it is the k3s node.
        { controlId: 'sysctl-ipv4-forwarding-disabled', index: 1, exitCode: 0, stdout: '1\n' },
      ]),
    );
    const result = await runComply({
      flake: OFFLINE_FLAKE,
      baseDir: REPO,
      hostsAttr: 'nixosConfigurations',
      hosts: ['laptop'],
      today: '2026-11-24',
      upstream: ['fixtures/offline/nixos-options/**', 'fixtures/offline/lib/**'],
      jobs: 1,
      timeoutMs: 60_000,
      cacheDir: null,
      runtime: { outDir: join(dir, 'vm'), driverCommand: [process.execPath, STAND_IN, '--log', log] },
    });
    const of = (id: string) => result.results.find((r) => r.controlId === id)!;
    expect(of('ssh-config-permissions')).toMatchObject({ status: 'pass', runtime: [{ status: 'pass', stdout: '600 root root' }] });
    // laptop: forwarding is off in the evaluated config (static pass) but the VM said 1.
    expect(of('sysctl-ipv4-forwarding-disabled')).toMatchObject({ status: 'fail', runtime: [{ status: 'fail', stdout: '1' }] });
    expect(of('sysctl-ipv4-forwarding-disabled').message).toMatch(/runtime: `sysctl -n net.ipv4.ip_forward/);
    // Controls whose commands printed nothing are errors, not silent passes.
    const others = result.results.filter((r) => r.runtime && !['ssh-config-permissions', 'sysctl-ipv4-forwarding-disabled'].includes(r.controlId));
    expect(others.length).toBeGreaterThan(10);
    for (const r of others) expect(r.runtime!.every((x) => x.status === 'error')).toBe(true);
  }, 120_000);
});
