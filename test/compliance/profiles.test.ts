import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { loadCatalogue } from '../../src/compliance/catalogue.js';
import { cisLevelOf, checkProfiles, loadProfiles, nistFamilies, resolveProfile } from '../../src/compliance/profiles.js';
import { rejection, removeTempTrees, tempTree } from './helpers.js';

afterAll(removeTempTrees);

const catalogue = await loadCatalogue();
const profiles = await loadProfiles();
const ids = (profile: string) => resolveProfile(profile, profiles, catalogue).map((c) => c.id);

describe('built-in profiles', () => {
  it('are the six documented ones and name only known controls', () => {
    expect(profiles.profiles.map((p) => p.id).sort()).toEqual([
      'cis-l1-server', 'cis-l1-workstation', 'cis-l2-server', 'cis-l2-workstation', 'nist-800-53', 'stig-nixos',
    ]);
    expect(() => checkProfiles(profiles, catalogue)).not.toThrow();
  });

  it('cis-l1-server has level-1 server recommendations only', () => {
    const l1 = resolveProfile('cis-l1-server', profiles, catalogue);
    expect(l1.length).toBeGreaterThanOrEqual(50);
    for (const c of l1) expect(cisLevelOf(c, 'server'), c.id).toBe(1);
    const got = new Set(l1.map((c) => c.id));
    // Level-2-only recommendations are out.
    for (const id of ['kmod-squashfs-disabled', 'kmod-dccp-disabled', 'auditd-enabled', 'audit-config-immutable', 'sudo-requires-password', 'apparmor-profiles-enforced']) {
      expect(got.has(id), id).toBe(false);
    }
    // usb-storage is L1 for servers, DisableForwarding L2 for servers.
    expect(got.has('kmod-usb-storage-disabled')).toBe(true);
    expect(got.has('ssh-forwarding-disabled')).toBe(false);
    // Controls without a CIS reference are out.
    expect(got.has('kernel-kptr-restrict')).toBe(false);
    expect(got.has('ssh-password-authentication')).toBe(false);
    expect(got.has('stig-fips-mode')).toBe(false);
  });

  it('cis-l1-workstation differs from the server profile where levels differ', () => {
    const ws = new Set(ids('cis-l1-workstation'));
    expect(ws.has('kmod-usb-storage-disabled')).toBe(false);
    expect(ws.has('ssh-forwarding-disabled')).toBe(true);
    expect(ws.has('ssh-permit-root-login')).toBe(true);
  });

  it('level-2 profiles are supersets of their level-1 profiles', () => {
    for (const p of ['server', 'workstation']) {
      const l1 = ids(`cis-l1-${p}`);
      const l2 = new Set(ids(`cis-l2-${p}`));
      expect(l2.size).toBeGreaterThan(l1.length);
      for (const id of l1) expect(l2.has(id), id).toBe(true);
      expect(l2.has('auditd-enabled')).toBe(true);
    }
    expect(ids('cis-l2-server')).toContain('kmod-usb-storage-disabled');
    expect(ids('cis-l2-workstation')).toContain('kmod-usb-storage-disabled');
    const allCis = catalogue.controls.filter((c) => c.refs.cis).map((c) => c.id);
    expect(new Set([...ids('cis-l2-server'), ...ids('cis-l2-workstation')])).toEqual(new Set(allCis));
  });

  it('stig-nixos is exactly the controls with a STIG rule', () => {
    expect(ids('stig-nixos').sort()).toEqual(catalogue.controls.filter((c) => c.refs.stig).map((c) => c.id).sort());
    expect(ids('stig-nixos').length).toBeGreaterThanOrEqual(20);
    expect(ids('stig-nixos')).not.toContain('ssh-password-authentication');
  });

  it('nist-800-53 is every control with a NIST reference, grouped by family', () => {
    const nist = resolveProfile('nist-800-53', profiles, catalogue);
    expect(nist.map((c) => c.id)).toEqual(catalogue.controls.filter((c) => c.refs.nist).map((c) => c.id));
    expect(profiles.byId.get('nist-800-53')!.groupBy).toBe('nist-family');
    const families = new Set(nist.flatMap(nistFamilies));
    for (const f of ['AC', 'AU', 'CM', 'IA', 'SC', 'SI']) expect(families.has(f), f).toBe(true);
    expect(nistFamilies({ refs: { nist: ['AC-6(2)', 'AC-17a', 'IA-2'] } })).toEqual(['AC', 'IA']);
  });

  it('an unknown profile is an InputError listing the known ones', async () => {
    const err = await rejection(() => resolveProfile('cis-l3-server', profiles, catalogue));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('unknown compliance profile "cis-l3-server"');
    expect(err.message).toContain('cis-l1-server, cis-l1-workstation, cis-l2-server, cis-l2-workstation, nist-800-53, stig-nixos');
  });
});

describe('user profiles', () => {
  it('include and exclude on top of a selection', async () => {
    const dir = await tempTree({
      'mine.yaml': `id: my-baseline
title: Mine
select: { framework: stig }
include: [kernel-dmesg-restrict]
exclude: [firewall-enabled]
`,
      'only.yml': 'id: only-two\ntitle: Two\ninclude: [ssh-banner, default-umask]\n',
    });
    const set = await loadProfiles({ dirs: [dir] });
    const mine = resolveProfile('my-baseline', set, catalogue).map((c) => c.id);
    expect(mine).toContain('kernel-dmesg-restrict');
    expect(mine).not.toContain('firewall-enabled');
    expect(mine).toHaveLength(catalogue.controls.filter((c) => c.refs.stig).length);
    // catalogue order, not include order
    expect(resolveProfile('only-two', set, catalogue).map((c) => c.id)).toEqual(['default-umask', 'ssh-banner']);
  });

  it('an unknown control in include is an error at its line', async () => {
    const dir = await tempTree({ 'p.yaml': 'id: p\ntitle: P\ninclude:\n  - ssh-banner\n  - no-such-control\n' });
    const set = await loadProfiles({ dirs: [dir], builtin: false });
    const err = await rejection(() => resolveProfile('p', set, catalogue));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/p\.yaml:5:5: profile "p" includes unknown control "no-such-control"/);
  });

  it('schema problems and duplicate ids name file:line', async () => {
    const bad = await tempTree({ 'p.yaml': 'id: p\ntitle: P\nselect: { framework: stig, maxLevel: 1 }\n' });
    const e1 = await rejection(loadProfiles({ dirs: [bad], builtin: false }));
    expect(e1).toBeInstanceOf(InputError);
    expect(e1.message).toMatch(/p\.yaml:3:\d+:/);
    const dup = await tempTree({ 'x.yaml': 'id: stig-nixos\ntitle: again\ninclude: []\n' });
    const e2 = await rejection(loadProfiles({ dirs: [dup] }));
    expect(e2.message).toMatch(/stig-nixos\.yaml:2:5: profile "stig-nixos" is first defined here/);
    expect(e2.message).toMatch(/x\.yaml:1:5: duplicate profile id "stig-nixos"/);
  });
});
