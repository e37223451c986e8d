/**
 * The vitest API's pieces that need no Nix: matchers on evidence, messages, declaration
 * errors. suites/api/laptop.test.ts runs it against the offline example flake.
 */
import { describe, expect, it } from 'vitest';
import { isOptionHandle, nixcheckMatchers, nixosHost } from '../../src/api/index.js';
import type { Evidence } from '../../src/result/model.js';
import { OFFLINE_FLAKE } from '../helpers/paths.js';

expect.extend(nixcheckMatchers);

const evidence: Evidence = {
  option: 'boot.kernel.sysctl',
  subPath: ['net.ipv4.ip_forward'],
  isDefined: true,
  priority: 50,
  priorityName: 'mkForce',
  source: 'user',
  definitions: [{ file: '/nix/store/0000000000000000000000000000000a-source/modules/profiles/k8s-lab.nix', origin: 'user', localFile: 'fixtures/offline/modules/profiles/k8s-lab.nix', line: 12, priority: 50 }],
  overridden: [{ file: '/nix/store/x-source/modules/security/hardening.nix', origin: 'user', localFile: 'fixtures/offline/modules/security/hardening.nix', line: 80, priority: 100 }],
  declarations: [],
};

describe('nixcheck matchers on evidence', () => {
  it('match the defining file by suffix, optionally with its line', () => {
    expect(evidence).toBeDefinedAt('modules/profiles/k8s-lab.nix');
    expect(evidence).toBeDefinedAt('./fixtures/offline/modules/profiles/k8s-lab.nix', 12);
    expect(evidence).not.toBeDefinedAt('modules/profiles/k8s-lab.nix', 13);
    // the overridden definition lost: it is not where the value is defined
    expect(evidence).not.toBeDefinedAt('modules/security/hardening.nix');
    expect(evidence).not.toBeDefinedAt('lab.nix');
  });

  it('match priorities by name or number', () => {
    expect(evidence).toHavePriority('mkForce');
    expect(evidence).toHavePriority(50);
    expect(evidence).not.toHavePriority('mkDefault');
    expect(evidence).toBeSetByUser();
    expect({ ...evidence, source: 'default' as const }).not.toBeSetByUser();
    expect(() => expect(evidence).toHavePriority('mkStrong')).toThrow(/unknown priority "mkStrong"/);
  });

  it('explain failures with where the value really comes from', () => {
    expect(() => expect(evidence).toHavePriority('mkDefault')).toThrow(
      'expected boot.kernel.sysctl to have priority mkDefault (1000), but it has mkForce (50); defined by: fixtures/offline/modules/profiles/k8s-lab.nix:12 (mkForce); overriding fixtures/offline/modules/security/hardening.nix:80 (normal)',
    );
    expect(() => expect(evidence).toBeDefinedAt('hosts/laptop/default.nix')).toThrow(/but it is defined by: fixtures\/offline\/modules\/profiles\/k8s-lab\.nix:12/);
    expect(() => expect(42).toBeDefinedAt('x.nix')).toThrow(/option handle or its evidence/);
  });
});

describe('nixosHost declarations', () => {
  const host = nixosHost('laptop', { flake: OFFLINE_FLAKE, cacheDir: null });

  it('give one handle per distinct value, without evaluating anything yet', () => {
    const a = host.option('networking.firewall.enable');
    expect(isOptionHandle(a)).toBe(true);
    expect(host.option('networking.firewall.enable')).toBe(a);
    expect(host.with({ 'a.b': 1 }).option('networking.firewall.enable')).not.toBe(a);
    expect(host.with({ 'a.b': 1 }).with({ 'c.d': 2 }).option('x')).toBe(host.with({ 'a.b': 1, 'c.d': 2 }).option('x'));
    expect(host.stats()).toMatchObject({ evaluations: 0, processes: 0 });
  });

  it('reject bad paths and conflicting `with` keys where they are written', () => {
    expect(() => host.option('a..b')).toThrow();
    expect(() => host.with({ 'a.b': 1 }).with({ 'a.b.c': 2 })).toThrow(/also something below it/);
    expect(() => nixosHost('laptop', { flake: '/nonexistent/flake' })).toThrow(/no flake\.nix/);
  });
});
