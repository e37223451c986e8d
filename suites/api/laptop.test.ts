/**
 * The vitest API (`nixcheck/vitest`) against the offline example flake: handles are
 * declared at module scope, and every handle of one host is evaluated in ONE batched
 * Nix evaluation when the first of them is awaited.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixcheckMatchers, nixosHost, stats } from '../../src/api/index.js';

expect.extend(nixcheckMatchers);

// A fresh cache for this file, so the process count below is deterministic (with the
// default cache, an unchanged rerun starts no Nix process at all).
const cacheDir = mkdtempSync(join(tmpdir(), 'nixcheck-api-'));
const upstream = ['fixtures/offline/nixos-options/**', 'fixtures/offline/lib/**'];

const laptop = nixosHost('laptop', { flake: 'fixtures/offline', cacheDir, upstream });
const hostName = laptop.option('networking.hostName');
const firewall = laptop.option('networking.firewall.enable');
const allowPing = laptop.option('networking.firewall.allowPing');
const tcpPorts = laptop.option('networking.firewall.allowedTCPPorts');
const kptr = laptop.option('boot.kernel.sysctl."kernel.kptr_restrict"');
const rootLogin = laptop.option('services.openssh.settings.PermitRootLogin');
const auditd = laptop.option('security.auditd.enable');
const missing = laptop.option('services.doesNotExist.enable');
const sshDefined = laptop.attr('options.services.openssh.enable.isDefined');

// `with`: the same host with extra definitions, evaluated in the same batch.
const rootLoginForcedYes = laptop.with({ 'services.openssh.settings.PermitRootLogin': 'yes' }, 'force');
const rejectedToplevel = rootLoginForcedYes.option('system.build.toplevel');
const pingWhenAllowed = laptop.with({ 'networking.firewall.allowPing': true }).option('networking.firewall.allowPing');

const k3s = nixosHost('k3s-node', { flake: 'fixtures/offline', cacheDir, upstream });
const forwarding = k3s.option('boot.kernel.sysctl."net.ipv4.ip_forward"');

describe('laptop (offline fixture) through the vitest API', () => {
  it('reads plain values', async () => {
    expect(await hostName.value()).toBe('laptop');
    expect(await firewall.value()).toBe(true);
    expect(await tcpPorts.value()).toEqual([22]);
    expect(await kptr.value()).toBe(2);
    expect(await rootLogin.value()).toBe('no');
    expect(await auditd.value()).toBe(true);
    expect(await sshDefined.value()).toBe(true);
  });

  it('tells a missing path from a value', async () => {
    expect(await missing.exists()).toBe(false);
    expect(await missing.value()).toBeUndefined();
    expect(await firewall.exists()).toBe(true);
  });

  it('says where a value was defined and with which priority', async () => {
    const evidence = await kptr.evidence();
    expect(evidence).toMatchObject({ option: 'boot.kernel.sysctl', subPath: ['kernel.kptr_restrict'], source: 'user', priority: 900 });
    expect(evidence).toBeDefinedAt('fixtures/offline/modules/security/hardening.nix');
    await expect(kptr).toHavePriority(900);
    await expect(kptr).toBeSetByUser();
    await expect(allowPing).toHavePriority('mkDefault');
    await expect(auditd).toBeDefinedAt('modules/security/audit.nix', 19);
    await expect(auditd).not.toBeDefinedAt('modules/security/hardening.nix');
  });

  it('applies `with` definitions and sees what they change', async () => {
    expect(await allowPing.value()).toBe(false);
    expect(await pingWhenAllowed.value()).toBe(true);
    await expect(pingWhenAllowed).toHavePriority('normal');
  });

  it('reports configurations that must not evaluate', async () => {
    expect(await rejectedToplevel.error()).toMatch(/Failed assertions:[\s\S]*PermitRootLogin/);
    await expect(firewall.error()).rejects.toThrow(/expected evaluating networking.firewall.enable to fail/);
  });

  it('shows a forced override on another host', async () => {
    expect(await forwarding.value()).toBe(1);
    await expect(forwarding).toHavePriority('mkForce');
    await expect(forwarding).toBeDefinedAt('modules/profiles/k8s-lab.nix');
  });

  it('evaluated every handle of a host in one batch: one Nix process per host', async () => {
    // One process answers all 11 laptop values, with the real message of the one whose
    // evaluation throws (the rejected toplevel): no extra process for it.
    const byHost = Object.fromEntries(stats().map((s) => [s.host, s]));
    expect(byHost.laptop).toMatchObject({ evaluations: 1, processes: 1, items: 11 });
    expect(byHost['k3s-node']).toMatchObject({ evaluations: 1, processes: 1, items: 1 });

    // A handle made later forms the next batch; asking for an existing one does not.
    const again = nixosHost('laptop', { flake: 'fixtures/offline', cacheDir, upstream });
    expect(await again.option('networking.firewall.enable').value()).toBe(true);
    expect(laptop.stats()).toMatchObject({ evaluations: 1, items: 11 });
    expect(await again.option('users.mutableUsers').value()).toBe(false);
    expect(laptop.stats()).toMatchObject({ evaluations: 2, processes: 2, items: 12 });
  });

  it('answers from the same content-addressed cache as the CLI', async () => {
    // A fresh host object over the same cache: every value is already cached.
    const fresh = nixosHost('laptop', { flake: 'fixtures/offline', cacheDir, upstream, timeoutMs: 299_000 });
    const r = await fresh.option('networking.firewall.enable').result();
    expect(r).toMatchObject({ ok: true, value: true, cached: true });
    expect(fresh.stats()).toMatchObject({ evaluations: 1, processes: 0 });
  });
});
