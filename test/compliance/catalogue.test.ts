import { afterAll, describe, expect, it } from 'vitest';
import { match } from '../../src/match/matchers.js';
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

  it('has runtime checks that read only, and names the config path of the values they print', () => {
    const runtime = controls.flatMap((c) => c.runtime.map((r) => ({ id: c.id, ...r })));
    expect(runtime.length).toBeGreaterThan(60);
    for (const r of runtime) expect(r.unsafe, r.id).toBe(false);
    // Every single-sysctl command says which option it mirrors, so drift can be reported.
    for (const r of runtime.filter((x) => /^sysctl -n [\w.]+( \| sort -u)?$/.test(x.command))) {
      const key = r.command.split(' ')[2]!;
      expect(r.printsValueOf?.attrPath, r.id).toEqual(['boot', 'kernel', 'sysctl', key]);
    }
  });

  it('keeps modes consistent with checks and runtime', () => {
    for (const c of controls) {
      if (c.mode === 'runtime') {
        expect(c.checks, c.id).toEqual([]);
        expect(c.runtime.length, c.id).toBeGreaterThan(0);
      } else if (c.mode === 'manual') {
        expect(c.checks, c.id).toEqual([]);
        expect(c.runtime, c.id).toEqual([]);
        expect(c.manualCheck?.trim().length, c.id).toBeGreaterThan(40);
      } else expect(c.checks.length, c.id).toBeGreaterThan(0);
      if (c.mode === 'static-runtime') expect(c.runtime.length, c.id).toBeGreaterThan(0);
    }
  });

  it('has runtime checks that only read the system and keep a failing check from looking like a pass', () => {
    // Commands run on the system under test: nothing that writes, mounts, loads or
    // (re)starts; no `grep -c`/`grep -q` whose exit status 1 means "no match" (with
    // pipefail that reads as a failed command); output redirected only to /dev/null.
    const writes = /(^|[|;&(]\s*|\b(then|else|do)\s+)(rm|mv|cp|chmod|chown|chgrp|tee|truncate|dd|mount|umount|insmod|rmmod|setenforce|useradd|usermod|passwd -[^S])\b|sed -i|sysctl -w|systemctl (start|stop|restart|reload|enable|disable|mask|kill)|auditctl -[DaAwWebfrR]|modprobe (?!-n)|nft (add|delete|flush|insert)|iptables -[ADIFXNP]/;
    for (const c of controls) {
      for (const r of c.runtime) {
        const unquoted = r.command.replace(/'[^']*'/g, "''");
        expect(unquoted, c.id).not.toMatch(writes);
        // (awk's `$5 > 365` compares; a redirection's target is a path or a descriptor)
        for (const redirect of r.command.match(/\d?>>?\s*(\/[^\s;|)]+|&\d)/g) ?? []) expect(redirect, `${c.id}: ${r.command}`).toMatch(/^(\d?>\s*\/dev\/null|2>&1)$/);
        if (c.refs.stig && !c.refs.cis) expect(r.command, c.id).not.toMatch(/grep -[a-zA-Z]*[cq]/);
      }
    }
  });

  it('writes NIST SP 800-53 rev5 identifiers', () => {
    const nist = withRef('nist').flatMap((c) => c.refs.nist!.map((n) => [c.id, n] as const));
    // Statement parts are CM-6a, not CM-6(a); AU-8(1) was withdrawn (SC-45(1)).
    expect(nist.filter(([, n]) => /^[A-Z]{2}-\d+\([a-z]\)/.test(n))).toEqual([]);
    expect(nist.filter(([, n]) => n === 'AU-8(1)')).toEqual([]);
    expect(control('timesyncd-enabled').refs.nist).toEqual(['SC-45(1)']);
    expect(control('login-defs-encrypt-method').refs.nist).toEqual(['IA-5(1)(d)']);
    expect(control('ssh-permit-root-login').refs.nist).toEqual(['AC-6(2)', 'AC-17a', 'IA-2', 'CM-7']);
  });

  it('carries the CIS wireless and bluetooth recommendations and the fixed usb-storage title', () => {
    expect(control('wireless-disabled').refs.cis).toEqual([{ id: '3.1.2', level: 1, profiles: ['server'] }]);
    expect(control('bluetooth-disabled').refs.cis).toEqual([
      { id: '3.1.3', level: 1, profiles: ['server'] },
      { id: '3.1.3', level: 2, profiles: ['workstation'] },
    ]);
    expect(control('kmod-usb-storage-disabled').title).toBe('The USB mass storage driver module cannot be loaded');
  });

  it('covers the whole CIS rule sets of 6.2.3.4, 6.2.3.8 and 6.2.3.19, and the STIG rule sets of its audit controls', () => {
    const rulesOf = (c: Control) => [...(/security\.audit\.rules = \[([^\]]*)\]/.exec(c.fix)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    const audit = controls.filter((c) => /security\.audit\.rules = \[/.test(c.fix));
    expect(audit.length).toBeGreaterThan(15);
    for (const c of audit) {
      expect(holdsAll(c, { 'security.audit.enable': true, 'security.audit.rules': rulesOf(c) }), `${c.id}: its own fix`).toBe(true);
    }
    // The rule sets as the benchmark writes them pass; their 64-bit halves alone do not.
    const time = [
      '-a always,exit -F arch=b64 -S adjtimex,settimeofday -k time-change',
      '-a always,exit -F arch=b32 -S adjtimex,settimeofday -k time-change',
      '-a always,exit -F arch=b64 -S clock_settime -F a0=0x0 -k time-change',
      '-a always,exit -F arch=b32 -S clock_settime -F a0=0x0 -k time-change',
      '-w /etc/localtime -p wa -k time-change',
    ];
    expect(holdsAll(control('audit-rules-time-change'), { 'security.audit.enable': true, 'security.audit.rules': time })).toBe(true);
    expect(holdsAll(control('audit-rules-time-change'), { 'security.audit.enable': true, 'security.audit.rules': time.filter((r) => !r.includes('b32')) })).toBe(false);
    const identity = ['group', 'passwd', 'gshadow', 'shadow', 'security/opasswd', 'nsswitch.conf', 'pam.conf', 'pam.d'].map((f) => `-w /etc/${f} -p wa -k identity`);
    expect(holdsAll(control('audit-rules-identity'), { 'security.audit.enable': true, 'security.audit.rules': identity })).toBe(true);
    expect(holdsAll(control('audit-rules-identity'), { 'security.audit.enable': true, 'security.audit.rules': identity.slice(0, 4) })).toBe(false);
    const modules = [
      '-a always,exit -F arch=b64 -S init_module,finit_module,delete_module,create_module,query_module -F auid>=1000 -F auid!=unset -k kernel_modules',
      '-a always,exit -F path=/usr/bin/kmod -F perm=x -F auid>=1000 -F auid!=unset -k kernel_modules',
    ];
    expect(holdsAll(control('audit-rules-kernel-modules'), { 'security.audit.enable': true, 'security.audit.rules': modules })).toBe(true);
    expect(holdsAll(control('audit-rules-kernel-modules'), { 'security.audit.enable': true, 'security.audit.rules': modules.slice(0, 1) })).toBe(false);
    // The STIG's 32-bit module rule is its own control.
    expect(holdsAll(control('audit-rules-module-syscalls'), { 'security.audit.enable': true, 'security.audit.rules': modules })).toBe(false);
    // A list of system calls with digits in a name (umount2) still counts.
    expect(holdsAll(control('audit-rules-mount'), {
      'security.audit.enable': true,
      'security.audit.rules': ['-a always,exit -F arch=b64 -S umount2,mount -k m', '-a always,exit -F arch=b32 -S umount2,mount -k m'],
    })).toBe(true);
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

  it('maps every rule of the Anduril NixOS STIG V1R2 to a control', () => {
    // V1R2 has 103 rules: V-268078 to V-268181 without V-268162 (removed after V1R1).
    const rules = Array.from({ length: 268181 - 268078 + 1 }, (_, i) => `V-${268078 + i}`).filter((v) => v !== 'V-268162');
    expect(rules).toHaveLength(103);
    const covered = new Set(withRef('stig').flatMap((c) => c.refs.stig!));
    expect(rules.filter((v) => !covered.has(v))).toEqual([]);
    expect([...covered].filter((v) => !rules.includes(v))).toEqual([]);
    // Each kind where it belongs: the audit rules are decided by the configuration, file
    // modes only on the running system, and some rules only by a person.
    expect(control('audit-rules-privileged-exec').refs.stig).toEqual(['V-268091', 'V-268148']);
    expect(control('audit-rules-module-syscalls')).toMatchObject({ mode: 'static-runtime', refs: { stig: ['V-268096'] } });
    expect(control('audit-logs-owned-by-root')).toMatchObject({ mode: 'runtime', refs: { stig: ['V-268111'] } });
    expect(control('emergency-accounts-expire')).toMatchObject({ mode: 'manual', refs: { stig: ['V-268079'] } });
    expect(control('telnet-not-installed')).toMatchObject({ severity: 'high', refs: { stig: ['V-268131'] } });
    expect(control('login-max-sessions').severity).toBe('low');
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

/** Whether every check of a control holds for config values given per path (absent: undefined). */
function holdsAll(c: Control, values: Record<string, unknown>): boolean {
  const holds = (check: Check): boolean => {
    if (check.kind === 'anyOf') return check.anyOf.some(holds);
    if (check.kind === 'allOf') return check.allOf.every(holds);
    if (check.kind === 'alternatives') return holds(check.alternatives.find((a) => a.path in values) ?? check.alternatives[0]!);
    const value = values[check.path];
    const observed = value === undefined && check.whenAbsent ? check.whenAbsent.value : value;
    return match(check.matchers, { kind: 'value', exists: observed !== undefined, value: observed, type: null }).pass;
  };
  return c.checks.every(holds);
}

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
    expect(err.message).toMatch(/bad\.yaml:11:9: unknown key "equalz" in "controls\.0\.checks\.0": did you mean "equals"\?/);
    expect(err.message).toMatch(/bad\.yaml:12:\d+: .*whenAbsentNote/);
  });

  it('rejects a runtime-only control that has checks', async () => {
    const dir = await tempTree({ 'bad.yaml': `controls:\n${minimal('rt', 'path: a\n        equals: 1\n    mode: runtime')}` });
    const err = await rejection(loadCatalogue({ dirs: [dir], builtin: false }));
    expect(err.message).toMatch(/bad\.yaml:2:\d+:/);
  });

  it('checks runtime checks: answers, pipelines, commands that change the system, printsValueOf', async () => {
    const runtime = (lines: string) => `controls:\n${minimal('rt', `path: a.b\n        equals: 1\n    runtime:\n${lines}`)}`;
    const dir = await tempTree({
      'bad.yaml': runtime(`      - command: systemctl is-active x
        expect: { equals: active }
        exitCodes: [0, 127]
      - command: "sshd -T | grep -ci permitrootlogin"
        expect: { equals: "1" }
        exitCodes: [0, 1]
      - command: systemctl restart sshd && echo ok
        expect: { equals: ok }
      - command: "echo 1 > /proc/sys/kernel/kptr_restrict"
        expect: { equals: "" }
      - command: sysctl -n kernel.kptr_restrict
        expect: { equals: "1" }
        printsValueOf: a.c
`),
    });
    const err = await rejection(loadCatalogue({ dirs: [dir], builtin: false }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/bad\.yaml:15:20: exit code 127 is never an answer/);
    expect(err.message).toMatch(/bad\.yaml:18:20: exitCodes on a pipeline/);
    expect(err.message).toMatch(/bad\.yaml:19:18: this command changes the system \(it runs systemctl restart sshd\).*unsafe: true/);
    expect(err.message).toMatch(/bad\.yaml:21:18: this command changes the system \(it writes to a file: echo 1 > \/proc/);
    expect(err.message).toMatch(/bad\.yaml:25:24: printsValueOf "a\.c" is not the path of one of this control's checks \(a\.b\)/);
    const ok = await tempTree({
      'ok.yaml': runtime(`      - command: systemctl restart sshd && systemctl is-active sshd
        expect: { equals: active }
        exitCodes: [0, 3]
        unsafe: true
      - command: sysctl -n a.b
        expect: { equals: "1" }
        printsValueOf: a.b
`),
    });
    const [control] = (await loadCatalogue({ dirs: [ok], builtin: false })).controls;
    expect(control!.runtime.map((r) => [r.exitCodes, r.unsafe, r.printsValueOf])).toEqual([
      [[0, 3], true, undefined],
      [[0], false, { path: 'a.b', attrPath: ['a', 'b'] }],
    ]);
  });

  it('says when an extra directory does not exist', async () => {
    const err = await rejection(loadCatalogue({ dirs: ['no/such/dir'] }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/no\/such\/dir does not exist/);
  });
});
