import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { NIX_FEATURE_ARGS, nixBinary } from '../../src/nix/nix-cli.js';
import type { RunResult } from '../../src/result/model.js';
import { REPO, tempDir } from '../helpers/paths.js';

/**
 * The real NixOS fixture (fixtures/nixos, with a nixpkgs input) runs where nixpkgs can be
 * fetched. Elsewhere the tests are skipped and the reason is printed.
 */
async function nixpkgsUnreachable(): Promise<string | undefined> {
  const r = await execa(nixBinary(), [...NIX_FEATURE_ARGS, 'flake', 'metadata', '--json', 'github:NixOS/nixpkgs/nixos-25.05'], { reject: false, timeout: 60_000 });
  if (r.exitCode === 0) return undefined;
  return String(r.stderr).split('\n').find((l) => l.startsWith('error:')) ?? `nix flake metadata failed (exit ${r.exitCode})`;
}

const unreachable = await nixpkgsUnreachable();
if (unreachable) {
  console.warn(`SKIPPED the real NixOS fixture (fixtures/nixos): nixpkgs cannot be fetched here: ${unreachable}`);
}

describe.skipIf(unreachable !== undefined)('the real NixOS fixture', () => {
  it('evaluates the hosts with real nixpkgs and every case of suites/nixos passes', async () => {
    const out = tempDir();
    const r = await execa('npx', ['tsx', 'src/cli/bin.ts', 'test', '--flake', 'fixtures/nixos', '--suite', 'suites/nixos/*.yaml', '--out', out, '--timeout', '900'], {
      cwd: REPO,
      reject: false,
    });
    const result: RunResult = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const notPassing = result.cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.name}: ${c.message ?? ''} ${c.error ?? ''}`);
    expect(notPassing).toEqual([]);
    expect(r.exitCode).toBe(0);
    // Evidence comes from the real module system: the forced value names the profile.
    const forwarding = result.cases.find((c) => c.path === 'boot.kernel.sysctl."net.ipv4.ip_forward"')!;
    expect(forwarding.evidence).toMatchObject({ priority: 50, definitions: [{ localFile: expect.stringMatching(/profiles\/k8s-lab\.nix$/) }] });
  }, 1_800_000);
});

/** VM tests need nixpkgs and KVM: the real driver boots the real fixture's hosts. */
function kvmMissing(): string | undefined {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return undefined;
  } catch {
    return 'no read/write /dev/kvm';
  }
}
const vmUnavailable = unreachable ?? kvmMissing();
if (vmUnavailable) {
  console.warn(`SKIPPED the real NixOS VM tests (suites/integration against fixtures/nixos): ${vmUnavailable}`);
}

describe.skipIf(vmUnavailable !== undefined)('VM tests of the real NixOS fixture', () => {
  it('boots the laptop and checks sshd with the real NixOS test driver', async () => {
    const out = tempDir();
    await execa('npx', ['tsx', 'src/cli/bin.ts', 'vm', 'run', '--flake', 'fixtures/nixos', '--suite', 'suites/integration/ssh-and-firewall.yaml', '--out', out], {
      cwd: REPO,
      reject: false,
    });
    const result: RunResult = JSON.parse(readFileSync(join(out, 'vm-results.json'), 'utf8'));
    const sshd = result.cases.filter((c) => c.name.startsWith('sshd is up on the laptop'));
    expect(sshd.length).toBeGreaterThan(1);
    expect(sshd.map((c) => `${c.name}: ${c.verdict} ${c.message ?? ''}`).filter((x) => !x.includes(': pass'))).toEqual([]);
  }, 3_600_000);
});
