/**
 * Checks that name alternatives (one setting under different names across nixpkgs
 * releases), fix variants per release and manual controls, against the offline fixture's
 * release variants (releaseVariants."<release>".<host>: imitated option sets, see
 * fixtures/offline/README.md).
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAlternative, passedOverBecause } from '../../src/compliance/alternatives.js';
import { loadCatalogue } from '../../src/compliance/catalogue.js';
import { renderComplianceMarkdown } from '../../src/compliance/report/compliance-markdown.js';
import { buildSarif } from '../../src/compliance/report/compliance-sarif.js';
import { runComply, type ComplianceResult } from '../../src/compliance/run-comply.js';
import { validatorFor } from '../../src/util/schemas.js';
import { rejection, removeTempTrees, tempTree } from './helpers.js';

const REPO = resolve(import.meta.dirname, '..', '..');

afterAll(removeTempTrees);

const CONTROLS = `controls:
  - id: alt-banner
    title: sshd shows a banner
    severity: low
    rationale: r
    remediation: m
    fix:
      - releases: "26.05 and later"
        nix: services.openssh.settings.Banner = "/etc/issue";
      - releases: "up to 25.11"
        nix: services.openssh.banner = "hello";
    refs: {}
    checks:
      - alternatives:
          - path: services.openssh.banner
            type: string
          - path: services.openssh.settings.Banner
            type: string
  - id: alt-journal
    title: the journal is persistent
    severity: low
    rationale: r
    remediation: m
    fix: services.journald.storage = "persistent";
    refs: {}
    checks:
      - alternatives:
          - path: services.journald.settings.Journal.Storage
            equals: persistent
          - path: services.journald.storage
            equals: persistent
  - id: alt-nowhere
    title: an option no release has
    severity: low
    rationale: r
    remediation: m
    fix: x = 1;
    refs: {}
    checks:
      - alternatives:
          - path: services.nosuch.one
            equals: 1
          - path: services.nosuch.other
            equals: 1
  - id: alt-manual
    title: an auditor looks
    severity: low
    rationale: r
    remediation: m
    fix: nothing to set
    refs: {}
    mode: manual
    manualCheck: Ask the system owner for the list of emergency accounts.
`;

const PROFILE = `id: alternatives-test
title: alternatives
include: [alt-banner, alt-journal, alt-nowhere, alt-manual]
`;

async function comply(dir: string, release: string): Promise<ComplianceResult> {
  return runComply({
    flake: join(REPO, 'fixtures', 'offline'),
    baseDir: REPO,
    hostsAttr: `releaseVariants."${release}"`,
    hosts: ['k3s-node'],
    profile: 'alternatives-test',
    controlDirs: [join(dir, 'controls')],
    profileDirs: [join(dir, 'profiles')],
    jobs: 2,
    timeoutMs: 60_000,
    cacheDir: null,
    today: '2026-11-24',
  });
}

describe('checks with alternatives', () => {
  const results: Record<string, ComplianceResult> = {};
  const verdict = (release: string, id: string) => results[release]!.results.find((r) => r.controlId === id)!;

  beforeAll(async () => {
    const dir = await tempTree({ 'controls/alt.yaml': CONTROLS, 'profiles/alternatives-test.yaml': PROFILE });
    for (const release of ['25.05', '26.05', '26.11']) results[release] = await comply(dir, release);
  }, 120_000);

  it('reads the old option where the release still has it', () => {
    const check = verdict('25.05', 'alt-banner').checks[0]!;
    // k3s-node sets no banner: services.openssh.banner is null there.
    expect(check).toMatchObject({ path: 'services.openssh.banner', status: 'fail', value: null, valueSource: 'default' });
    expect(check.alternatives).toEqual({ paths: ['services.openssh.banner', 'services.openssh.settings.Banner'], passedOver: [] });
  });

  it('passes over a removed option (its stub throws) and says why', () => {
    const check = verdict('26.05', 'alt-banner').checks[0]!;
    expect(check).toMatchObject({ path: 'services.openssh.settings.Banner', status: 'fail', exists: false });
    expect(check.alternatives!.passedOver).toEqual([
      { path: 'services.openssh.banner', reason: expect.stringMatching(/^removed from this nixpkgs \(.*services\.openssh\.banner' can no longer be used since it's been removed\./) },
    ]);
    expect(describeAlternative(check)).toMatch(/^read from services\.openssh\.settings\.Banner, the first of services\.openssh\.banner \| services\.openssh\.settings\.Banner this configuration declares \(passed over services\.openssh\.banner: removed/);
  });

  it('prefers the new name where both exist (the old one is an alias there)', () => {
    expect(verdict('26.05', 'alt-journal').checks[0]).toMatchObject({ path: 'services.journald.storage', status: 'pass', value: 'persistent' });
    const renamed = verdict('26.11', 'alt-journal').checks[0]!;
    expect(renamed).toMatchObject({ path: 'services.journald.settings.Journal.Storage', status: 'pass', value: 'persistent' });
    expect(renamed.alternatives!.passedOver).toEqual([]);
  });

  it('is an error naming every alternative when the system declares none', () => {
    const v = verdict('25.05', 'alt-nowhere');
    expect(v.status).toBe('error');
    expect(v.checks[0]).toMatchObject({ path: 'services.nosuch.one | services.nosuch.other', status: 'error', reason: 'no such option' });
    expect(v.message).toMatch(/none of the alternatives is declared in this configuration: services\.nosuch\.one: no option is declared at this path; services\.nosuch\.other: no option is declared/);
  });

  it('says in the reports which alternative was read', () => {
    const r = results['26.05']!;
    expect(validatorFor('compliance')(JSON.parse(JSON.stringify(r)))).toBe(true);
    expect(renderComplianceMarkdown(r)).toMatch(/services\.openssh\.settings\.Banner = \(unset\); not set.*read from services\.openssh\.settings\.Banner, the first of/);
    const sarif = JSON.stringify(buildSarif(r));
    expect(sarif).toMatch(/read from services\.openssh\.settings\.Banner, the first of services\.openssh\.banner \| services\.openssh\.settings\.Banner/);
  });

  it('keeps fix variants per release and renders them under a heading each', () => {
    const info = results['26.05']!.controls.find((c) => c.id === 'alt-banner')!;
    expect(info.fixes).toEqual([
      { releases: '26.05 and later', nix: 'services.openssh.settings.Banner = "/etc/issue";' },
      { releases: 'up to 25.11', nix: 'services.openssh.banner = "hello";' },
    ]);
    expect(info.fix).toBe('# nixpkgs 26.05 and later\nservices.openssh.settings.Banner = "/etc/issue";\n# nixpkgs up to 25.11\nservices.openssh.banner = "hello";');
  });

  it('reports a manual control as manual with what the auditor must look at', () => {
    expect(verdict('25.05', 'alt-manual')).toMatchObject({
      status: 'manual',
      message: 'manual review: Ask the system owner for the list of emergency accounts.',
      checks: [],
    });
    expect(results['25.05']!.controls.find((c) => c.id === 'alt-manual')).toMatchObject({ mode: 'manual', manualCheck: 'Ask the system owner for the list of emergency accounts.' });
  });
});

describe('passedOverBecause', () => {
  const value = (exists: boolean, declared: boolean | null) => ({ status: 'value' as const, exists, value: null, type: null, evidence: null, declared });
  it('passes over undeclared paths and removed-option stubs only', () => {
    expect(passedOverBecause(value(false, false))).toBe('no option is declared at this path');
    expect(passedOverBecause(value(false, true))).toBeUndefined();
    expect(passedOverBecause(value(false, null))).toBeUndefined();
    expect(passedOverBecause(value(true, true))).toBeUndefined();
    const removed = "error: The option `a.b' can no longer be used since it's been removed. Use c instead.";
    expect(passedOverBecause({ status: 'error', error: removed, reason: 'throw' })).toBe(`removed from this nixpkgs (${removed})`);
    // Any other error is the option's own problem: it decides (as an error).
    expect(passedOverBecause({ status: 'error', error: 'error: boom', reason: 'throw' })).toBeUndefined();
    expect(passedOverBecause({ status: 'error', error: removed, reason: 'target' })).toBeUndefined();
  });
});

describe('catalogue: alternatives, fix variants and manual controls', () => {
  const control = (body: string) => `controls:
  - id: c
    title: t
    severity: low
    rationale: r
    remediation: m
    refs: {}
${body}`;

  it('accepts only path checks as alternatives, at least two', async () => {
    const dir = await tempTree({
      'one.yaml': control(`    fix: x\n    checks:\n      - alternatives:\n          - path: a.b\n            equals: 1\n`),
    });
    const err = await rejection(loadCatalogue({ dirs: [dir], builtin: false }));
    expect(err.message).toMatch(/one\.yaml:\d+:\d+: .*alternatives.* must NOT have fewer than 2 items/);
    const nested = await tempTree({
      'nested.yaml': control(`    fix: x\n    checks:\n      - alternatives:\n          - anyOf: [{ path: a.b, equals: 1 }]\n          - path: a.c\n            equals: 1\n`),
    });
    expect((await rejection(loadCatalogue({ dirs: [nested], builtin: false }))).message).toMatch(/nested\.yaml:\d+:\d+:/);
  });

  it('requires manualCheck for mode manual, and mode manual for manualCheck', async () => {
    const dir = await tempTree({ 'm.yaml': control(`    fix: x\n    mode: manual\n`) });
    expect((await rejection(loadCatalogue({ dirs: [dir], builtin: false }))).message).toMatch(/m\.yaml:2:\d+: .*manualCheck/);
    const stray = await tempTree({ 's.yaml': control(`    fix: x\n    manualCheck: look\n    checks: [{ path: a.b, equals: 1 }]\n`) });
    expect((await rejection(loadCatalogue({ dirs: [stray], builtin: false }))).message).toMatch(/s\.yaml:\d+:\d+:/);
  });

  it('allows ifDeclared only where a vacuous check cannot decide: not inside anyOf or alternatives', async () => {
    const ok = await tempTree({ 'ok.yaml': control(`    fix: x\n    checks:\n      - allOf:\n          - path: a.b\n            equals: 1\n            ifDeclared: true\n`) });
    const loaded = await loadCatalogue({ dirs: [ok], builtin: false });
    expect(loaded.controls[0]!.checks).toMatchObject([{ kind: 'allOf', allOf: [{ kind: 'path', path: 'a.b', ifDeclared: true }] }]);
    for (const [name, checks] of [
      ['any.yaml', `      - anyOf:\n          - path: a.b\n            equals: 1\n            ifDeclared: true\n          - path: a.c\n            equals: 1\n`],
      ['alt.yaml', `      - alternatives:\n          - path: a.b\n            equals: 1\n            ifDeclared: true\n          - path: a.c\n            equals: 1\n`],
    ] as const) {
      const dir = await tempTree({ [name]: control(`    fix: x\n    checks:\n${checks}`) });
      const message = (await rejection(loadCatalogue({ dirs: [dir], builtin: false }))).message;
      expect(message).toMatch(new RegExp(`${name.replace('.', '\\.')}:\\d+:\\d+: ifDeclared is not allowed inside anyOf or alternatives`));
    }
  });

  it('rejects a fix variant without its releases', async () => {
    const dir = await tempTree({ 'f.yaml': control(`    fix:\n      - nix: x = 1;\n    checks: [{ path: a.b, equals: 1 }]\n`) });
    expect((await rejection(loadCatalogue({ dirs: [dir], builtin: false }))).message).toMatch(/f\.yaml:\d+:\d+:/);
  });
});
