/**
 * The compliance catalogue against the offline example flake: every control's verdict on
 * `bare` (nothing set: NixOS defaults) and `k3s-node` (hardening, SSH and audit, with the
 * k8s lab profile forcing values over the baseline), the counts on the other hosts, the
 * weighted scores and the evidence behind a few characteristic verdicts.
 *
 * The expectations were derived by reading the fixture (hosts, modules, the imitated
 * NixOS defaults in fixtures/offline/nixos-options) and the control definitions; they are
 * explained one by one in compliance/EXPECTED.md. Scores are computed here from these
 * tables and the controls' impacts, not taken from nixcheck's output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { runComply, type ComplianceResult } from '../../src/compliance/run-comply.js';

const REPO = resolve(import.meta.dirname, '..', '..');

type Status = 'pass' | 'fail' | 'error' | 'not-applicable' | 'manual';
const P = 'pass';
const F = 'fail';
const NA = 'not-applicable';
const M = 'manual';

/** control id -> [bare, k3s-node], in catalogue order. */
const EXPECTED: Record<string, [Status, Status]> = {
  // access.yaml
  'sudo-use-pty': [F, P],
  'sudo-log-file': [F, P],
  'sudo-requires-password': [P, P],
  'sudo-timestamp-timeout': [P, P],
  'su-restricted-to-wheel': [F, P],
  'pam-faillock-enabled': [F, F],
  'pam-faillock-deny': [F, F],
  'pam-faillock-unlock-time': [F, F],
  'pam-pwquality-minlen': [F, F],
  'pam-no-null-passwords': [F, P],
  'login-defs-pass-max-days': [F, P],
  'login-defs-encrypt-method': [P, P],
  'shell-timeout': [F, F],
  'default-umask': [P, P],
  // kernel-modules.yaml
  'kmod-cramfs-disabled': [F, P],
  'kmod-freevxfs-disabled': [F, P],
  'kmod-hfs-disabled': [F, P],
  'kmod-hfsplus-disabled': [F, P],
  'kmod-jffs2-disabled': [F, P],
  'kmod-overlayfs-disabled': [F, F],
  'kmod-squashfs-disabled': [F, F],
  'kmod-udf-disabled': [F, P],
  'kmod-usb-storage-disabled': [F, P],
  'kmod-dccp-disabled': [F, P],
  'kmod-tipc-disabled': [F, P],
  'kmod-rds-disabled': [F, P],
  'kmod-sctp-disabled': [F, P],
  // kernel.yaml
  'kernel-aslr-full': [P, P],
  'kernel-ptrace-restricted': [P, P],
  'kernel-ptrace-admin-only': [F, P],
  'kernel-core-dumps-restricted': [F, F],
  'kernel-kptr-restrict': [P, P],
  'kernel-dmesg-restrict': [F, P],
  'kernel-lockdown-single-mode': [P, F],
  // logging.yaml
  'journald-compress': [P, P],
  'journald-persistent': [P, P],
  'auditd-enabled': [F, P],
  'audit-at-boot': [F, P],
  'audit-backlog-limit': [F, P],
  'auditd-max-log-file': [NA, F],
  'auditd-keep-logs': [NA, F],
  'auditd-disk-full-action': [NA, F],
  'audit-rules-sudoers': [F, P],
  'audit-rules-time-change': [F, F],
  'audit-rules-identity': [F, F],
  'audit-rules-kernel-modules': [F, F],
  'audit-config-immutable': [F, P],
  // mounts.yaml
  'tmp-separate-mount': [F, P],
  'tmp-nodev': [F, P],
  'tmp-nosuid': [F, P],
  'tmp-noexec': [F, F],
  'dev-shm-nodev': [P, P],
  'dev-shm-nosuid': [P, P],
  'dev-shm-noexec': [F, F],
  // network-sysctl.yaml
  'sysctl-ipv4-forwarding-disabled': [P, F],
  'sysctl-ipv6-forwarding-disabled': [P, F],
  'sysctl-send-redirects-disabled': [F, P],
  'sysctl-icmp-ignore-bogus-errors': [P, P],
  'sysctl-icmp-ignore-broadcasts': [P, P],
  'sysctl-accept-redirects-disabled': [F, P],
  'sysctl-secure-redirects-disabled': [F, P],
  'sysctl-rp-filter-strict': [F, F],
  'sysctl-source-route-disabled': [P, P],
  'sysctl-log-martians': [F, P],
  'sysctl-tcp-syncookies': [P, P],
  'sysctl-ipv6-router-adverts-ignored': [F, F],
  // network.yaml
  // services.firewalld.enable is not declared here: its check says ifDeclared, and holds vacuously.
  'firewall-enabled': [P, P],
  'firewall-nftables': [F, F],
  // ssh.yaml
  'ssh-config-permissions': [NA, M],
  'ssh-access-limited': [NA, F],
  'ssh-banner': [NA, F],
  'ssh-ciphers-strong': [NA, P],
  'ssh-client-alive': [NA, P],
  'ssh-forwarding-disabled': [NA, F],
  'ssh-kex-strong': [NA, P],
  'ssh-log-level': [NA, P],
  'ssh-macs-strong': [NA, P],
  'ssh-max-auth-tries': [NA, P],
  'ssh-permit-empty-passwords': [NA, P],
  'ssh-permit-root-login': [NA, P],
  'ssh-permit-user-environment': [NA, P],
  'ssh-use-pam': [NA, P],
  'ssh-password-authentication': [NA, P],
  // stig-access.yaml
  'emergency-accounts-expire': [M, M],
  'pam-faillock-three-attempts': [F, F],
  'login-max-sessions': [F, F],
  'pwquality-uppercase': [F, F],
  'pwquality-lowercase': [F, F],
  'pwquality-digit': [F, F],
  'pwquality-difok': [F, F],
  'pwquality-minlen-15': [F, F],
  'pwquality-special': [F, F],
  'pwquality-dictcheck': [F, F],
  'login-defs-pass-min-days': [F, P],
  'login-defs-pass-max-days-60': [F, F],
  'login-defs-fail-delay': [F, F],
  'login-defs-umask-077': [P, P],
  'inactive-accounts-disabled': [F, F],
  'unique-user-ids': [M, M],
  'root-login-locked': [F, P],
  'user-ssh-keys-passphrase': [M, M],
  'pam-pwquality-enforced': [F, F],
  'shadow-hashes-sha512': [M, M],
  'pam-p11-enabled': [F, F],
  'sssd-offline-credentials-expire': [NA, NA],
  'pam-pkcs11-revocation': [F, F],
  'pki-dod-root-ca': [M, M],
  'opencryptoki-installed': [F, F],
  // stig-audit.yaml
  'audit-rules-privileged-exec': [F, F],
  'audit-rules-mount': [F, F],
  'audit-rules-file-deletion': [F, F],
  'audit-rules-module-syscalls': [F, F],
  'audit-rules-cron': [F, F],
  'audit-rules-unsuccessful-access': [F, F],
  'audit-rules-chown': [F, F],
  'audit-rules-chmod': [F, F],
  'audit-rules-xattr': [F, F],
  'audit-rules-usermod': [F, F],
  'audit-rules-chage-chcon': [F, F],
  'audit-rules-lastlog': [F, F],
  'audit-rules-account-files': [F, F],
  'audit-loginuid-immutable': [F, F],
  'auditd-space-left-action': [NA, F],
  'auditd-admin-space-left-action': [NA, F],
  'auditd-space-left-25-percent': [NA, F],
  'auditd-admin-space-left-10-percent': [NA, F],
  'auditd-log-group-root': [NA, P],
  // stig-system.yaml
  'console-banner-dod': [F, F],
  'ssh-banner-dod': [NA, F],
  'gdm-banner-dod': [NA, NA],
  'gnome-idle-lock': [NA, NA],
  'vlock-installed': [F, F],
  'audit-service-active': [F, P],
  'journald-running': [M, M],
  'journald-upload-url': [F, F],
  'journald-upload-server-authenticated': [F, F],
  'audit-logs-owned-by-root': [M, M],
  'audit-logs-group-root': [M, M],
  'audit-log-directory-mode': [M, M],
  'audit-log-files-mode': [M, M],
  'audit-config-files-mode': [M, M],
  'audit-config-owned-by-root': [M, M],
  'audit-config-group-root': [M, M],
  'system-log-files-owner': [M, M],
  'system-log-files-group': [M, M],
  'system-log-directories-mode': [M, M],
  'system-log-files-mode': [M, M],
  'audit-config-directories-mode': [M, M],
  'telnet-not-installed': [P, P],
  'public-directories-sticky': [M, M],
  'disk-encryption': [F, F],
  'time-servers-authoritative': [M, M],
  'timesyncd-poll-interval': [F, F],
  'aide-active': [M, M],
  'firewall-rate-limit': [F, F],
  'nixos-release-supported': [M, M],
  // stig.yaml
  'stig-fips-mode': [F, F],
  'nix-require-sigs': [P, P],
  'nix-allowed-users': [F, F],
  'sshd-service-enabled': [F, P],
  'ssh-ciphers-fips': [NA, F],
  'ssh-macs-fips': [NA, F],
  'ssh-log-level-verbose': [NA, P],
  'ssh-client-alive-stig': [NA, F],
  'sudo-wheel-needs-password': [P, P],
  'sudo-no-credential-caching': [F, F],
  'login-defs-encrypt-method-sha512': [F, F],
  'wireless-disabled': [P, P],
  'bluetooth-disabled': [P, P],
  // services.displayManager.autoLogin.user, the first of its alternatives declared here.
  'autologin-disabled': [P, P],
  'usbguard-enabled': [F, F],
  'timesyncd-enabled': [P, P],
  // system.yaml
  'apparmor-enabled': [F, F],
  'apparmor-profiles-loaded': [NA, NA],
  'apparmor-profiles-enforced': [NA, NA],
  'bootloader-protected': [F, F],
  'time-sync-single-daemon': [P, P],
  'auto-upgrade-enabled': [F, F],
};

const bare: Record<string, Status> = Object.fromEntries(Object.entries(EXPECTED).map(([id, [b]]) => [id, b]));
const k3s: Record<string, Status> = Object.fromEntries(Object.entries(EXPECTED).map(([id, [, k]]) => [id, k]));

/**
 * laptop and desktop: the k3s-node verdicts without the k8s profile's forced values
 * (forwarding and rp_filter back to the baseline, AppArmor on, one lockdown mode).
 * desktop's host overrides (X11Forwarding true, kptr_restrict "1") change no verdict:
 * forwarding already fails on DisableForwarding, and "1" still satisfies kptr_restrict >= 1.
 */
const laptop: Record<string, Status> = {
  ...k3s,
  'sysctl-ipv4-forwarding-disabled': P,
  'sysctl-ipv6-forwarding-disabled': P,
  'sysctl-rp-filter-strict': P,
  'kernel-lockdown-single-mode': P,
  'apparmor-enabled': P,
  'apparmor-profiles-loaded': M,
  'apparmor-profiles-enforced': M,
};
/** broken: NixOS defaults like bare, but with the hardened SSH module on. */
const SSH_DEPENDENT = Object.keys(EXPECTED).filter((id) => id.startsWith('ssh') && bare[id] === NA);
const broken: Record<string, Status> = { ...bare, 'sshd-service-enabled': P, ...Object.fromEntries(SSH_DEPENDENT.map((id) => [id, k3s[id]!])) };
const TABLES: Record<string, Record<string, Status>> = { bare, 'k3s-node': k3s, laptop, desktop: laptop, broken };

const COUNTS: Record<string, Record<Status, number>> = {
  bare: { pass: 28, fail: 95, error: 0, 'not-applicable': 33, manual: 22 },
  'k3s-node': { pass: 72, fail: 78, error: 0, 'not-applicable': 5, manual: 23 },
  laptop: { pass: 77, fail: 73, error: 0, 'not-applicable': 3, manual: 25 },
  desktop: { pass: 77, fail: 73, error: 0, 'not-applicable': 3, manual: 25 },
  broken: { pass: 41, fail: 101, error: 0, 'not-applicable': 13, manual: 23 },
};

/** Impacts straight from the catalogue files (README: default low .3, medium .5, high .7, critical .9). */
function catalogueImpacts(): Record<string, number> {
  const defaults: Record<string, number> = { low: 0.3, medium: 0.5, high: 0.7, critical: 0.9 };
  const dir = join(REPO, 'compliance', 'controls');
  const impacts: Record<string, number> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as { controls: { id: string; severity: string; impact?: number }[] };
    for (const c of doc.controls) impacts[c.id] = c.impact ?? defaults[c.severity]!;
  }
  return impacts;
}

function expectedWeighted(table: Record<string, Status>, impacts: Record<string, number>): number {
  let passed = 0;
  let scored = 0;
  for (const [id, status] of Object.entries(table)) {
    if (status !== 'pass' && status !== 'fail' && status !== 'error') continue;
    const milli = Math.round(impacts[id]! * 1000);
    scored += milli;
    if (status === 'pass') passed += milli;
  }
  return (passed / scored) * 100;
}

const countOf = (table: Record<string, Status>): Record<Status, number> => {
  const c: Record<Status, number> = { pass: 0, fail: 0, error: 0, 'not-applicable': 0, manual: 0 };
  for (const s of Object.values(table)) c[s]++;
  return c;
};

/** 1-based number of the first line of a repository file matching `re`. */
const lineOf = (file: string, re: RegExp): number => readFileSync(join(REPO, file), 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;

describe('compliance verdicts on the offline example flake', () => {
  let result: ComplianceResult;
  const verdict = (host: string, id: string) => {
    const v = result.results.find((r) => r.host === host && r.controlId === id);
    if (!v) throw new Error(`no verdict for ${id} on ${host}`);
    return v;
  };

  beforeAll(async () => {
    result = await runComply({
      flake: join(REPO, 'fixtures', 'offline'),
      baseDir: REPO,
      hostsAttr: 'nixosConfigurations',
      jobs: 2,
      timeoutMs: 60_000,
      cacheDir: null,
      today: '2026-11-24',
      upstream: ['fixtures/offline/nixos-options/**', 'fixtures/offline/lib/**'],
    });
  }, 60_000);

  it('covers every control of the catalogue in the expected table', () => {
    expect(Object.keys(EXPECTED)).toEqual(result.controls.map((c) => c.id));
    expect(result.hosts.map((h) => h.name).sort()).toEqual(['bare', 'broken', 'desktop', 'k3s-node', 'laptop']);
  });

  it('gives every control on bare the verdict its NixOS defaults imply', () => {
    const got = Object.fromEntries(Object.keys(EXPECTED).map((id) => [id, verdict('bare', id).status]));
    expect(got).toEqual(bare);
  });

  it('gives every control on k3s-node the verdict its forced overrides imply', () => {
    const got = Object.fromEntries(Object.keys(EXPECTED).map((id) => [id, verdict('k3s-node', id).status]));
    expect(got).toEqual(k3s);
  });

  it('counts the verdicts of every host as expected', () => {
    for (const [host, table] of Object.entries(TABLES)) {
      expect(countOf(table), `derived table of ${host}`).toEqual(COUNTS[host]);
      const c = result.scores[host]!.overall.counts;
      expect({ pass: c.pass, fail: c.fail, error: c.error, 'not-applicable': c['not-applicable'], manual: c.manual }, host).toEqual(COUNTS[host]);
      expect(c.waived, host).toBe(0);
      expect(c.total, host).toBe(178);
    }
  });

  it('scores each host with the weighted score computed from the expected tables and impacts', () => {
    const impacts = catalogueImpacts();
    for (const [host, table] of Object.entries(TABLES)) {
      const weighted = expectedWeighted(table, impacts);
      expect(result.scores[host]!.overall.weighted, host).toBeCloseTo(weighted, 9);
    }
    // Hand-checked values: bare 13.6/57.5, k3s-node 33.2/71.2.
    expect(expectedWeighted(bare, impacts)).toBeCloseTo((13.6 / 57.5) * 100, 9);
    expect(expectedWeighted(k3s, impacts)).toBeCloseTo((33.2 / 71.2) * 100, 9);
  });

  it('declares every option the catalogue reads; options nixos-25.05 lacks are passed over as alternatives', () => {
    const missing = new Set<string>();
    for (const r of result.results) for (const c of [...r.checks, ...r.applicability]) if (c.status === 'error') missing.add(c.path);
    expect([...missing]).toEqual([]);
    // systemd.coredump.settings arrived in 26.05: on 25.05 extraConfig decides.
    const storage = verdict('bare', 'kernel-core-dumps-restricted').checks.find((c) => c.alternatives?.paths[0] === 'systemd.coredump.settings.Coredump.Storage')!;
    expect(storage).toMatchObject({ path: 'systemd.coredump.extraConfig', status: 'fail', value: '' });
    expect(storage.alternatives!.passedOver).toEqual([{ path: 'systemd.coredump.settings.Coredump.Storage', reason: 'no option is declared at this path' }]);
  });

  it('on bare, skips the sshd controls (sshd off) and fails on NixOS defaults', () => {
    const root = verdict('bare', 'ssh-permit-root-login');
    expect(root.status).toBe('not-applicable');
    expect(root.applicability[0]).toMatchObject({ path: 'services.openssh.enable', status: 'fail', value: false, valueSource: 'default' });
    // The NixOS default it would judge: prohibit-password.
    expect(root.checks[0]).toMatchObject({ value: 'prohibit-password', valueSource: 'default' });

    const nullok = verdict('bare', 'pam-no-null-passwords');
    expect(nullok.status).toBe('fail');
    expect(nullok.checks[0]!.value).toBe(true);
    expect(['default', 'upstream']).toContain(nullok.checks[0]!.valueSource);
    expect(nullok.checks[0]!.evidence!.definitions[0]).toMatchObject({ localFile: 'fixtures/offline/nixos-options/security.nix', origin: 'upstream', priority: 100 });

    // NixOS no longer sets ptrace_scope: the kernel's Yama default (1) applies.
    const ptrace = verdict('bare', 'kernel-ptrace-restricted');
    expect(ptrace.status).toBe('pass');
    expect(ptrace.checks[0]).toMatchObject({ exists: false, value: 1, valueSource: 'documented-default', note: 'Yama LSM default' });
    expect(verdict('bare', 'kernel-ptrace-admin-only').checks[0]).toMatchObject({ status: 'fail', value: 1, valueSource: 'documented-default' });

    // kptr_restrict: NixOS's own mkDefault 1, located in the imitated NixOS module.
    const kptr = verdict('bare', 'kernel-kptr-restrict');
    expect(kptr.checks[0]).toMatchObject({ status: 'pass', value: 1, valueSource: 'upstream' });
    expect(kptr.checks[0]!.evidence).toMatchObject({ priority: 1000, priorityName: 'mkDefault', source: 'upstream' });
    expect(kptr.checks[0]!.evidence!.definitions[0]).toMatchObject({
      localFile: 'fixtures/offline/nixos-options/boot.nix',
      line: lineOf('fixtures/offline/nixos-options/boot.nix', /"kernel\.kptr_restrict" = lib\.mkDefault 1/),
      priority: 1000,
      origin: 'upstream',
    });

    // security.sudo.configFile is derived by the imitated sudo module: no use_pty on bare.
    const pty = verdict('bare', 'sudo-use-pty');
    expect(pty.status).toBe('fail');
    expect(pty.checks[0]!.valueSource).toBe('upstream');
    expect(pty.checks[0]!.value).toMatch(/%wheel\s+ALL=\(ALL:ALL\)\s+SETENV: ALL/);
    expect(pty.checks[0]!.value).not.toMatch(/use_pty/);

    // NixOS's /dev/shm mount options: nosuid and nodev, not noexec.
    expect(verdict('bare', 'dev-shm-noexec').checks[0]).toMatchObject({ value: ['nosuid', 'nodev', 'strictatime', 'mode=1777', 'size=50%'], valueSource: 'upstream' });
  });

  it('on k3s-node, locates the forced ip_forward in the k8s profile over the hardening baseline', () => {
    const fwd = verdict('k3s-node', 'sysctl-ipv4-forwarding-disabled');
    expect(fwd.status).toBe('fail');
    const check = fwd.checks.find((c) => c.path === 'boot.kernel.sysctl."net.ipv4.ip_forward"')!;
    expect(check).toMatchObject({ value: 1, valueSource: 'user' });
    expect(check.evidence).toMatchObject({ priority: 50, priorityName: 'mkForce', source: 'user' });
    expect(check.evidence!.definitions[0]).toMatchObject({
      localFile: 'fixtures/offline/modules/profiles/k8s-lab.nix',
      line: lineOf('fixtures/offline/modules/profiles/k8s-lab.nix', /"net\.ipv4\.ip_forward" = lib\.mkForce 1/),
      priority: 50,
    });
    expect(check.evidence!.overridden).toEqual([
      expect.objectContaining({
        localFile: 'fixtures/offline/modules/security/hardening.nix',
        line: lineOf('fixtures/offline/modules/security/hardening.nix', /"net\.ipv4\.ip_forward" = lib\.mkDefault 0/),
        priority: 1000,
      }),
    ]);

    const apparmor = verdict('k3s-node', 'apparmor-enabled');
    expect(apparmor.checks[0]).toMatchObject({ value: false, valueSource: 'user' });
    expect(apparmor.checks[0]!.evidence).toMatchObject({ priority: 50, definitions: [expect.objectContaining({ localFile: 'fixtures/offline/modules/profiles/k8s-lab.nix' })] });

    // The hardening module's sudo lines reach the derived sudoers file.
    const pty = verdict('k3s-node', 'sudo-use-pty');
    expect(pty.status).toBe('pass');
    expect(pty.checks[0]!.value).toMatch(/\nDefaults use_pty\n/);
  });
});
