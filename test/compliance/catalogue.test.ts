import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { parseAttrPath } from '../../src/suite/attr-path.js';
import { loadCatalogue, pathChecks, getControl } from '../../src/compliance/catalogue.js';
import type { Check, Control } from '../../src/compliance/types.js';
import { rejection, removeTempTrees, tempTree } from './helpers.js';

afterAll(removeTempTrees);

const catalogue = await loadCatalogue();
const controls = catalogue.controls;
const withRef = (f: 'cis' | 'stig' | 'nist') => controls.filter((c) => (c.refs[f]?.length ?? 0) > 0);
const control = (id: string): Control => getControl(catalogue, id);
const firstPath = (c: Control, path: string) => pathChecks(c.checks).find((p) => p.path === path);

describe('built-in catalogue', () => {
  it('has at least 60 controls with unique kebab-case ids', () => {
    expect(controls.length).toBeGreaterThanOrEqual(60);
    const ids = controls.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('gives every control a title, rationale, remediation, fix and a location', () => {
    for (const c of controls) {
      expect(c.title.trim(), c.id).not.toBe('');
      expect(c.rationale.trim().length, c.id).toBeGreaterThan(20);
      expect(c.remediation.trim().length, c.id).toBeGreaterThan(10);
      expect(c.fix.trim(), c.id).not.toBe('');
      expect(c.location.file, c.id).toMatch(/compliance\/controls\/[a-z-]+\.yaml$/);
      expect(c.location.line, c.id).toBeGreaterThan(0);
      expect(c.builtin).toBe(true);
      expect(c.impact).toBeGreaterThan(0);
      expect(c.impact).toBeLessThanOrEqual(1);
    }
  });

  it('has a parsable path in every check, appliesWhen included', () => {
    let n = 0;
    for (const c of controls) {
      for (const p of pathChecks([...c.checks, ...c.appliesWhen])) {
        expect(p.attrPath, `${c.id}: ${p.path}`).toEqual(parseAttrPath(p.path));
        expect(p.attrPath.length).toBeGreaterThan(0);
        expect(Object.keys(p.matchers).length, `${c.id}: ${p.path}`).toBeGreaterThan(0);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('keeps modes consistent with checks and runtime', () => {
    for (const c of controls) {
      if (c.mode === 'runtime') {
        expect(c.checks, c.id).toEqual([]);
        expect(c.runtime.length, c.id).toBeGreaterThan(0);
      } else expect(c.checks.length, c.id).toBeGreaterThan(0);
      if (c.mode === 'static-runtime') expect(c.runtime.length, c.id).toBeGreaterThan(0);
    }
  });

  it('covers the frameworks in sensible numbers', () => {
    expect(withRef('cis').length).toBeGreaterThanOrEqual(60);
    expect(withRef('stig').length).toBeGreaterThanOrEqual(20);
    expect(withRef('nist').length).toBeGreaterThanOrEqual(50);
    for (const c of withRef('nist')) for (const n of c.refs.nist!) expect(n).toMatch(/^[A-Z]{2}-\d+/);
  });

  it('covers every CIS recommendation of the reference table', () => {
    const cisIds = new Set(controls.flatMap((c) => (c.refs.cis ?? []).map((r) => r.id)));
    const expected = [
      '1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5', '1.1.1.6', '1.1.1.7', '1.1.1.8', '1.1.1.9',
      '3.2.1', '3.2.2', '3.2.3', '3.2.4', '1.1.2.1.1', '1.1.2.1.2', '1.1.2.1.3', '1.1.2.1.4',
      '1.1.2.2.2', '1.1.2.2.3', '1.1.2.2.4', '1.5.1', '1.5.2', '1.5.3',
      '3.3.1', '3.3.2', '3.3.3', '3.3.4', '3.3.5', '3.3.6', '3.3.7', '3.3.8', '3.3.9', '3.3.10', '3.3.11',
      '4.1.1', '4.3.9', '4.3.10', '6.1.2.3', '6.1.2.4', '6.2.1.1', '6.2.1.2', '6.2.1.3', '6.2.1.4',
      '6.2.2.1', '6.2.2.2', '6.2.2.3', '6.2.3.1', '6.2.3.4', '6.2.3.8', '6.2.3.19', '6.2.3.20',
      '5.1.1', '5.1.4', '5.1.5', '5.1.6', '5.1.7', '5.1.8', '5.1.12', '5.1.14', '5.1.15', '5.1.16',
      '5.1.19', '5.1.20', '5.1.21', '5.1.22', '5.2.2', '5.2.3', '5.2.4', '5.2.6', '5.2.7',
      '5.3.2.2', '5.3.3.1.1', '5.3.3.2.2', '5.3.3.4.1', '5.4.1.1', '5.4.1.4', '5.4.3.2', '5.4.3.3',
      '1.3.1.1', '1.3.1.2', '1.3.1.3', '1.3.1.4', '1.4.1', '2.3.1.1', '1.2.2.1',
    ];
    expect(expected.filter((id) => !cisIds.has(id))).toEqual([]);
  });

  it('carries Anduril NixOS STIG rule ids on the controls that match the rule text', () => {
    // V-IDs checked against the STIG's own rule text (V1): several differ from what the
    // benchmark summaries circulating for NixOS claim (e.g. V-268131 is "no telnet", not
    // PermitRootLogin; V-268168 is FIPS mode, not ip_forward).
    const stig = (id: string) => control(id).refs.stig;
    expect(stig('firewall-enabled')).toEqual(['V-268078']);
    expect(stig('auditd-enabled')).toEqual(['V-268080']);
    expect(stig('ssh-permit-root-login')).toEqual(['V-268137']);
    expect(stig('kernel-aslr-full')).toEqual(['V-268161']);
    expect(stig('kernel-kptr-restrict')).toEqual(['V-268160']);
    expect(stig('sysctl-tcp-syncookies')).toEqual(['V-268141']);
    expect(stig('audit-at-boot')).toEqual(['V-268092']);
    expect(stig('audit-backlog-limit')).toEqual(['V-268093']);
    expect(stig('stig-fips-mode')).toEqual(['V-268168']);
    expect(stig('nix-require-sigs')).toEqual(['V-268154']);
    expect(stig('ssh-macs-fips')).toEqual(['V-268157']);
    expect(stig('login-defs-encrypt-method-sha512')).toEqual(['V-268130']);
    // No STIG rule for these: no reference rather than a wrong one.
    for (const id of ['ssh-password-authentication', 'kernel-ptrace-admin-only', 'sysctl-ipv4-forwarding-disabled']) {
      expect(stig(id), id).toBeUndefined();
    }
    const all = withRef('stig').flatMap((c) => c.refs.stig!);
    for (const v of all) expect(v).toMatch(/^V-2680\d\d$|^V-2681\d\d$/);
    expect(new Set(all).size, 'one control per STIG rule').toBe(all.length);
  });

  it('has one kernel-module control per module, blacklist plus install override', () => {
    const modules = ['cramfs', 'freevxfs', 'hfs', 'hfsplus', 'jffs2', 'overlayfs', 'squashfs', 'udf', 'usb-storage', 'dccp', 'tipc', 'rds', 'sctp'];
    for (const m of modules) {
      const c = control(`kmod-${m}-disabled`);
      const paths = pathChecks(c.checks).map((p) => p.path);
      expect(paths).toContain('boot.blacklistedKernelModules');
      expect(paths).toContain('boot.extraModprobeConfig');
      const install = firstPath(c, 'boot.extraModprobeConfig')!;
      const name = m === 'overlayfs' ? 'overlay' : m;
      expect(new RegExp(install.matchers.matches!).test(`options foo bar=1\ninstall ${name} /nix/store/x-coreutils/bin/false\n`)).toBe(true);
      expect(new RegExp(install.matchers.matches!).test(`install ${name}x /bin/false`)).toBe(false);
    }
    expect(control('kmod-usb-storage-disabled').refs.cis).toEqual([
      { id: '1.1.1.9', level: 1, profiles: ['server'] },
      { id: '1.1.1.9', level: 2, profiles: ['workstation'] },
    ]);
  });

  it('writes sysctl expectations as numbers, with kernel/systemd defaults for absent keys', () => {
    for (const c of controls) {
      for (const p of pathChecks(c.checks)) {
        if (p.attrPath[0] !== 'boot' || p.attrPath[2] !== 'sysctl') continue;
        for (const k of ['equals', 'gte', 'lte'] as const) {
          if (p.matchers[k] !== undefined) expect(typeof p.matchers[k], `${c.id} ${p.path}`).toBe('number');
        }
        if (p.whenAbsent) expect(typeof p.whenAbsent.value, `${c.id} ${p.path}`).toBe('number');
      }
    }
    const absent = (id: string, key: string) => firstPath(control(id), `boot.kernel.sysctl."${key}"`)!.whenAbsent;
    expect(absent('sysctl-rp-filter-strict', 'net.ipv4.conf.all.rp_filter')).toEqual({ value: 2, note: 'systemd 50-default.conf' });
    expect(absent('kernel-core-dumps-restricted', 'fs.suid_dumpable')).toEqual({ value: 2, note: 'systemd 50-coredump.conf' });
    expect(absent('kernel-kptr-restrict', 'kernel.kptr_restrict')?.value).toBe(0);
    expect(firstPath(control('ssh-permit-root-login'), 'services.openssh.settings.PermitRootLogin')?.whenAbsent?.value).toBe('prohibit-password');
  });

  it('flags conflicting lockdown parameters with not/containsAll', () => {
    const check = control('kernel-lockdown-single-mode').checks[0] as Check;
    expect(check).toMatchObject({
      kind: 'path',
      path: 'boot.kernelParams',
      matchers: { not: { containsAll: ['lockdown=confidentiality', 'lockdown=integrity'] } },
    });
  });

  it('makes SSH controls conditional on sshd being enabled', () => {
    for (const c of controls.filter((x) => x.id.startsWith('ssh-'))) {
      expect(c.appliesWhen, c.id).toMatchObject([{ kind: 'path', path: 'services.openssh.enable', matchers: { equals: true } }]);
    }
  });

  it('defaults impact from severity and infers the mode', async () => {
    const dir = await tempTree({
      'mine.yaml': `controls:
  - id: my-critical
    title: t
    severity: critical
    rationale: r
    remediation: m
    fix: x = 1;
    refs: {}
    checks: [{ path: a.b, equals: 1 }]
    runtime: [{ command: "true", expect: { equals: "" } }]
  - id: my-runtime
    title: t
    severity: low
    impact: 0.25
    rationale: r
    remediation: m
    fix: x = 1;
    refs: {}
    runtime: [{ command: "true", expect: { equals: "" } }]
`,
    });
    const cat = await loadCatalogue({ dirs: [dir] });
    expect(cat.controls.length).toBe(controls.length + 2);
    const mine = getControl(cat, 'my-critical');
    expect(mine).toMatchObject({ impact: 0.9, mode: 'static-runtime', builtin: false });
    expect(mine.location.line).toBe(2);
    expect(getControl(cat, 'my-runtime')).toMatchObject({ impact: 0.25, mode: 'runtime', checks: [] });
    const only = await loadCatalogue({ dirs: [dir], builtin: false });
    expect(only.controls.map((c) => c.id)).toEqual(['my-critical', 'my-runtime']);
  });
});

const minimal = (id: string, check = 'path: a.b\n        equals: 1') => `  - id: ${id}
    title: t
    severity: low
    rationale: r
    remediation: m
    fix: x
    refs: {}
    checks:
      - ${check}
`;

describe('catalogue errors', () => {
  it('names both locations of a duplicate id', async () => {
    const dir = await tempTree({
      'a.yaml': `controls:\n${minimal('dup')}`,
      'sub/b.yaml': `# comment\ncontrols:\n${minimal('other')}${minimal('dup')}`,
    });
    const err = await rejection(loadCatalogue({ dirs: [dir], builtin: false }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/a\.yaml:2:9: control "dup" is first defined here/);
    expect(err.message).toMatch(/b\.yaml:13:9: duplicate control id "dup" \(already defined at .*a\.yaml:2:9\)/);
  });

  it('rejects a duplicate of a built-in id', async () => {
    const dir = await tempTree({ 'a.yaml': `controls:\n${minimal('ssh-permit-root-login')}` });
    const err = await rejection(loadCatalogue({ dirs: [dir] }));
    expect(err.message).toMatch(/ssh\.yaml:\d+:\d+: control "ssh-permit-root-login" is first defined here/);
    expect(err.message).toMatch(/a\.yaml:2:9: duplicate control id/);
  });

  it('reports an unparsable path at file:line', async () => {
    const dir = await tempTree({
      'bad.yaml': `controls:\n${minimal('bad-path', 'anyOf:\n          - path: boot.kernel.sysctl."kernel.x\n            equals: 1')}`,
    });
    const err = await rejection(loadCatalogue({ dirs: [dir], builtin: false }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/bad\.yaml:11:19: bad path: unterminated quoted segment/);
  });

  it('reports an invalid regular expression at file:line', async () => {
    const dir = await tempTree({ 'bad.yaml': `controls:\n${minimal('bad-re', "path: a\n        matches: '(unclosed'")}` });
    const err = await rejection(loadCatalogue({ dirs: [dir], builtin: false }));
    expect(err.message).toMatch(/bad\.yaml:11:18: \S+ is not a regular expression nixcheck can run: missing closing \)/);
  });

  it('refuses lookaround (no linear-time match) and non-numeric bounds at file:line:col', async () => {
    const dir = await tempTree({
      'bad.yaml': `controls:\n${minimal('bad-look', "path: a\n        matches: 'x(?!y)'")}\n${minimal('bad-bound', "path: b\n        gte: one")}`,
    });
    const err = await rejection(loadCatalogue({ dirs: [dir], builtin: false }));
    expect(err.message).toMatch(/bad\.yaml:11:18: matches is not a regular expression nixcheck can run: .*`\(\?!` at character 2/);
    expect(err.message).toMatch(/bad\.yaml:\d+:14: gte expects a number \(or a string holding one\), got "one"/);
  });

  it('reports schema problems at file:line (unknown matcher, bad severity, whenAbsent without note)', async () => {
    const dir = await tempTree({
      'bad.yaml': `controls:
  - id: schema-bad
    title: t
    severity: extreme
    rationale: r
    remediation: m
    fix: x
    refs: { cis: [{ id: "1.1", level: 3, profiles: [server] }] }
    checks:
      - path: a.b
        equalz: 1
      - path: a.c
        equals: 1
        whenAbsent: 0
`,
    });
    const err = await rejection(loadCatalogue({ dirs: [dir], builtin: false }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/bad\.yaml:4:15: .*severity.* must be one of/);
    expect(err.message).toMatch(/bad\.yaml:8:\d+: .*level.* must be one of/);
    expect(err.message).toMatch(/bad\.yaml:11:17: unknown key "equalz"/);
    expect(err.message).toMatch(/bad\.yaml:12:\d+: .*whenAbsentNote/);
  });

  it('rejects a runtime-only control that has checks', async () => {
    const dir = await tempTree({ 'bad.yaml': `controls:\n${minimal('rt', 'path: a\n        equals: 1\n    mode: runtime')}` });
    const err = await rejection(loadCatalogue({ dirs: [dir], builtin: false }));
    expect(err.message).toMatch(/bad\.yaml:2:\d+:/);
  });

  it('says when an extra directory does not exist', async () => {
    const err = await rejection(loadCatalogue({ dirs: ['no/such/dir'] }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/no\/such\/dir does not exist/);
  });
});
