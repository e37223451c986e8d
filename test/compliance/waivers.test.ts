import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { loadCatalogue } from '../../src/compliance/catalogue.js';
import { applyWaivers, expiredWaivers, hostMatches, isExpired, loadWaivers, toDay, waiveVerdict } from '../../src/compliance/waivers.js';
import type { ControlVerdict, Waiver } from '../../src/compliance/types.js';
import { rejection, removeTempTrees, tempTree } from './helpers.js';

afterAll(removeTempTrees);

const catalogue = await loadCatalogue();

const VALID = `# yaml-language-server: $schema=../schemas/waivers.schema.json
waivers:
  - control: sysctl-ipv4-forwarding-disabled
    hosts: "k3s-*"
    justification: Kubernetes nodes route pod traffic.
    expires: 2027-01-31
    approvedBy: security-team
  - control: ssh-permit-root-login
    justification: deploy-rs pushes as root until the deploy user lands.
    expires: 2025-06-30
  - control: ssh-permit-root-login
    hosts: [build-?, ci]
    justification: builders
    expires: 2026-12-31
`;

async function waiverFile(text: string): Promise<string> {
  const dir = await tempTree({ 'waivers.yaml': text });
  return `${dir}/waivers.yaml`;
}

describe('loading waivers', () => {
  it('reads a valid file (unquoted dates stay strings, hosts default to *)', async () => {
    const w = await loadWaivers(await waiverFile(VALID), catalogue);
    expect(w).toHaveLength(3);
    expect(w[0]).toMatchObject({ control: 'sysctl-ipv4-forwarding-disabled', hosts: ['k3s-*'], expires: '2027-01-31', approvedBy: 'security-team' });
    expect(w[1]).toMatchObject({ hosts: ['*'], expires: '2025-06-30' });
    expect(w[2]!.hosts).toEqual(['build-?', 'ci']);
    expect(w[1]!.location.line).toBe(8);
  });

  it('accepts a plain list of known ids instead of a catalogue', async () => {
    const w = await loadWaivers(await waiverFile(VALID), ['sysctl-ipv4-forwarding-disabled', 'ssh-permit-root-login']);
    expect(w).toHaveLength(3);
  });

  it('a missing justification is an InputError naming file:line', async () => {
    const file = await waiverFile('waivers:\n  - control: ssh-banner\n    expires: 2027-01-01\n');
    const err = await rejection(loadWaivers(file, catalogue));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/waivers\.yaml:2:5: "waivers\.0" is missing the required key "justification"/);
  });

  it('an empty justification, a bad date and an unknown key are errors with lines', async () => {
    const file = await waiverFile(`waivers:
  - control: ssh-banner
    justification: "   "
    expires: 31/01/2027
    reason: nope
`);
    const err = await rejection(loadWaivers(file, catalogue));
    expect(err.message).toMatch(/waivers\.yaml:4:14: .*expires/);
    expect(err.message).toMatch(/waivers\.yaml:5:5: unknown key "reason"/);
  });

  it('a blank justification is an error naming file:line', async () => {
    const file = await waiverFile('waivers:\n  - control: ssh-banner\n    justification: "   "\n    expires: 2027-01-01\n');
    const err = await rejection(loadWaivers(file, catalogue));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/waivers\.yaml:3:20: the justification is empty/);
  });

  it('an impossible date and an unknown control are errors with lines', async () => {
    const file = await waiverFile(`waivers:
  - control: ssh-banner
    justification: ok
    expires: 2027-02-30
  - control: no-such-control
    justification: ok
    expires: 2027-01-01
`);
    const err = await rejection(loadWaivers(file, catalogue));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/waivers\.yaml:4:14: "2027-02-30" is not a calendar date/);
    expect(err.message).toMatch(/waivers\.yaml:5:14: unknown control "no-such-control"/);
  });

  it('malformed YAML is an error with a line', async () => {
    const err = await rejection(loadWaivers(await waiverFile('waivers:\n  - control: [unclosed\n'), catalogue));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/waivers\.yaml:\d+:\d+:/);
  });
});

describe('applying waivers', () => {
  const waivers = async (): Promise<Waiver[]> => loadWaivers(await waiverFile(VALID), catalogue);
  const verdict = (controlId: string, host: string, status: ControlVerdict['status']): ControlVerdict => ({
    controlId, host, status, severity: 'high', impact: 0.7, refs: {},
  });

  it('matches host globs', () => {
    expect(hostMatches('k3s-*', 'k3s-node1')).toBe(true);
    expect(hostMatches('k3s-*', 'laptop')).toBe(false);
    expect(hostMatches('build-?', 'build-1')).toBe(true);
    expect(hostMatches('build-?', 'build-10')).toBe(false);
    expect(hostMatches('a.b', 'axb')).toBe(false);
    expect(hostMatches('*', 'anything')).toBe(true);
  });

  it('holds through the expiry day', async () => {
    const [w] = await waivers();
    expect(isExpired(w!, '2027-01-31')).toBe(false);
    expect(isExpired(w!, '2027-02-01')).toBe(true);
    expect(toDay(new Date(2027, 0, 31, 23, 59))).toBe('2027-01-31');
  });

  it('returns the active waiver for a matching host', async () => {
    const m = applyWaivers(await waivers(), 'sysctl-ipv4-forwarding-disabled', 'k3s-node1', '2026-03-01');
    expect(m.active?.justification).toBe('Kubernetes nodes route pod traffic.');
    expect(m.expired).toEqual([]);
    expect(applyWaivers(await waivers(), 'sysctl-ipv4-forwarding-disabled', 'laptop', '2026-03-01')).toEqual({ expired: [] });
  });

  it('reports an expired waiver, and prefers a still-active one', async () => {
    const w = await waivers();
    const m = applyWaivers(w, 'ssh-permit-root-login', 'laptop', '2026-03-01');
    expect(m.active).toBeUndefined();
    expect(m.expired.map((x) => x.expires)).toEqual(['2025-06-30']);
    const b = applyWaivers(w, 'ssh-permit-root-login', 'build-1', '2026-03-01');
    expect(b.active?.expires).toBe('2026-12-31');
    expect(b.expired.map((x) => x.expires)).toEqual(['2025-06-30']);
    expect(expiredWaivers(w, '2026-03-01').map((x) => x.control)).toEqual(['ssh-permit-root-login']);
  });

  it('turns a failure into waived, keeps a pass, and leaves expired waivers counting as nothing', async () => {
    const w = await waivers();
    const failed = waiveVerdict(verdict('sysctl-ipv4-forwarding-disabled', 'k3s-a', 'fail'), w, '2026-03-01');
    expect(failed.status).toBe('waived');
    expect(failed.waiver?.control).toBe('sysctl-ipv4-forwarding-disabled');
    const passed = waiveVerdict(verdict('sysctl-ipv4-forwarding-disabled', 'k3s-a', 'pass'), w, '2026-03-01');
    expect(passed.status).toBe('pass');
    expect(passed.waiver).toBeDefined();
    const expired = waiveVerdict(verdict('ssh-permit-root-login', 'laptop', 'fail'), w, '2026-03-01');
    expect(expired.status).toBe('fail');
    expect(expired.waiver).toBeUndefined();
    expect(expired.expiredWaiver?.expires).toBe('2025-06-30');
    expect(waiveVerdict(verdict('ssh-banner', 'laptop', 'fail'), w, '2026-03-01')).toEqual(verdict('ssh-banner', 'laptop', 'fail'));
  });
});
