import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { loadCatalogue } from '../../src/compliance/catalogue.js';
import { applyWaivers, expiredWaivers, hostMatches, isExpired, isValidDay, loadWaiverFiles, loadWaivers, toDay, waiveVerdict } from '../../src/compliance/waivers.js';
import type { ControlVerdict, Waiver } from '../../src/compliance/types.js';
import { rejection, removeTempTrees, tempTree } from './helpers.js';

afterAll(removeTempTrees);

/** The ids the files below name; the built-in catalogue is loaded by the one test that needs it. */
const KNOWN = ['sysctl-ipv4-forwarding-disabled', 'ssh-permit-root-login', 'ssh-banner'];

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
    const w = await loadWaivers(await waiverFile(VALID), await loadCatalogue());
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
    const err = await rejection(loadWaivers(file, KNOWN));
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
    const err = await rejection(loadWaivers(file, KNOWN));
    expect(err.message).toMatch(/waivers\.yaml:4:14: .*expires/);
    expect(err.message).toMatch(/waivers\.yaml:5:5: unknown key "reason"/);
  });

  it('a blank justification is an error naming file:line', async () => {
    const file = await waiverFile('waivers:\n  - control: ssh-banner\n    justification: "   "\n    expires: 2027-01-01\n');
    const err = await rejection(loadWaivers(file, KNOWN));
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
    const err = await rejection(loadWaivers(file, KNOWN));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/waivers\.yaml:4:14: "2027-02-30" is not a calendar date/);
    expect(err.message).toMatch(/waivers\.yaml:5:14: unknown control "no-such-control"/);
  });

  it('malformed YAML is an error with a line', async () => {
    const err = await rejection(loadWaivers(await waiverFile('waivers:\n  - control: [unclosed\n'), KNOWN));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/waivers\.yaml:\d+:\d+:/);
  });
});

describe('applying waivers', () => {
  const waivers = async (): Promise<Waiver[]> => loadWaivers(await waiverFile(VALID), KNOWN);
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

describe('waiver files in detail', () => {
  it('a single host is a list of one; the justification is trimmed; no approver, no key', async () => {
    const [w] = await loadWaivers(await waiverFile('waivers:\n  - control: ssh-banner\n    hosts: laptop\n    justification: "  kiosk  "\n    expires: 2027-01-01\n'), ['ssh-banner']);
    expect(w).toEqual({ control: 'ssh-banner', hosts: ['laptop'], justification: 'kiosk', expires: '2027-01-01', location: expect.objectContaining({ line: 2 }) });
    expect(w).not.toHaveProperty('approvedBy');
  });

  it('every problem of a file is reported at once, under one message', async () => {
    const err = await rejection(loadWaivers(await waiverFile('waivers:\n  - control: nope\n    justification: " "\n    expires: 2027-13-01\n'), ['ssh-banner']));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems.map((p) => [p.location?.line, p.message])).toEqual([
      [2, 'unknown control "nope"'],
      [3, 'the justification is empty: say why the deviation is accepted'],
      [4, '"2027-13-01" is not a calendar date (YYYY-MM-DD)'],
    ]);
    expect(err.message.split('\n')[0]).toBe('waiver file has problems');
  });

  it('a file that cannot be read is an error naming it as a waiver file', async () => {
    const err = await rejection(loadWaivers('/nonexistent/waivers.yaml', KNOWN));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/^cannot read waiver file \/nonexistent\/waivers\.yaml: /);
  });

  it('several files are read in order', async () => {
    const a = await waiverFile('waivers:\n  - control: a\n    justification: x\n    expires: 2027-01-01\n');
    const b = await waiverFile('waivers:\n  - control: b\n    justification: x\n    expires: 2027-01-01\n');
    expect((await loadWaiverFiles([b, a], ['a', 'b'])).map((w) => w.control)).toEqual(['b', 'a']);
    expect(await loadWaiverFiles([], ['a'])).toEqual([]);
  });

  it('a calendar day is YYYY-MM-DD and exists', () => {
    expect(isValidDay('2028-02-29')).toBe(true);
    expect(isValidDay('2027-12-31')).toBe(true);
    for (const day of ['2027-02-29', '2027-00-10', '2027-01-32', '2027-1-01', ' 2027-01-01', '2027-01-011', '12027-01-01', 'x2027-01-01', '2027-01-01x', 'tomorrow']) {
      expect(isValidDay(day), day).toBe(false);
    }
  });

  it('today as a day: a Date in local time, zero-padded; a string as it is', () => {
    expect(toDay(new Date(2027, 0, 5, 0, 0))).toBe('2027-01-05');
    expect(toDay(new Date(2027, 10, 25, 12, 0))).toBe('2027-11-25');
    expect(toDay('2027-01-05')).toBe('2027-01-05');
  });
});

describe('choosing among waivers', () => {
  const at = (line: number) => ({ file: 'w.yaml', line, column: 5 });
  const waiver = (expires: string, line: number, hosts = ['*'], control = 'c'): Waiver => ({ control, hosts, justification: 'j', expires, location: at(line) });
  const verdict = (status: ControlVerdict['status'], controlId = 'c'): ControlVerdict => ({ controlId, host: 'web-1', status, severity: 'low', impact: 0.3, refs: {} });
  const ALL = [waiver('2026-02-01', 1), waiver('2026-12-31', 2), waiver('2026-06-30', 3), waiver('2025-01-01', 4), waiver('2025-12-31', 5), waiver('2027-01-01', 6, ['db-*']), waiver('2028-01-01', 7, ['*'], 'other')];

  it('the active waiver is the one that expires last; expired ones are listed latest first', () => {
    const m = applyWaivers(ALL, 'c', 'web-1', '2026-03-01');
    expect(m.active?.location.line).toBe(2);
    expect(m.expired.map((w) => w.location.line)).toEqual([1, 5, 4]);
    const late = applyWaivers(ALL, 'c', 'web-1', '2027-01-01');
    expect(late.active).toBeUndefined();
    expect(late.expired.map((w) => w.location.line)).toEqual([2, 3, 1, 5, 4]);
  });

  it('waivers expiring the same day keep their order', () => {
    expect(applyWaivers([waiver('2026-12-31', 1), waiver('2026-12-31', 2)], 'c', 'web-1', '2026-03-01').active?.location.line).toBe(1);
    expect(applyWaivers([waiver('2020-12-31', 1), waiver('2020-12-31', 2)], 'c', 'web-1', '2026-03-01').expired.map((w) => w.location.line)).toEqual([1, 2]);
  });

  it('a waiver counts when any of its host globs matches', () => {
    expect(applyWaivers([waiver('2027-01-01', 1, ['db-*', 'web-?'])], 'c', 'web-1', '2026-03-01').active?.location.line).toBe(1);
    expect(applyWaivers([waiver('2027-01-01', 1, ['db-*', 'web-'])], 'c', 'web-1', '2026-03-01')).toEqual({ expired: [] });
  });

  it('turns every finding and a manual verdict into waived; a pass or not-applicable keeps its status with the waiver', () => {
    for (const status of ['fail', 'error', 'drift', 'manual'] as const) {
      expect(waiveVerdict(verdict(status), ALL, '2026-03-01'), status).toEqual({ ...verdict(status), status: 'waived', waiver: ALL[1] });
    }
    for (const status of ['pass', 'not-applicable'] as const) {
      expect(waiveVerdict(verdict(status), ALL, '2026-03-01'), status).toEqual({ ...verdict(status), waiver: ALL[1] });
    }
  });

  it('with only expired waivers, the latest is attached and the verdict stands', () => {
    expect(waiveVerdict(verdict('fail'), ALL, '2027-06-01')).toEqual({ ...verdict('fail'), expiredWaiver: ALL[1] });
    expect(waiveVerdict(verdict('fail', 'none'), ALL, '2027-06-01')).toStrictEqual(verdict('fail', 'none'));
  });

  it('expired waivers of a whole list, for the report', () => {
    expect(expiredWaivers(ALL, '2026-07-01').map((w) => w.location.line)).toEqual([1, 3, 4, 5]);
    expect(expiredWaivers(ALL, new Date(2026, 1, 1)).map((w) => w.location.line)).toEqual([4, 5]);
  });
});
