/**
 * The whole catalogue on the offline fixture's hosts under the imitated option sets of
 * each supported nixpkgs release (releaseVariants."<release>".<host>, see
 * fixtures/offline/README.md): no control errors where its setting exists under some
 * name, and the alternatives read the name each release has.
 */
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { passedOverBecause } from '../../src/compliance/alternatives.js';
import { loadCatalogue } from '../../src/compliance/catalogue.js';
import { runComply, type ComplianceResult } from '../../src/compliance/run-comply.js';
import { resolveFlake } from '../../src/nix/flake-ref.js';
import { Evaluator } from '../../src/nix/evaluator.js';
import { evaluateAll, type EvalRequest } from '../../src/run/evaluate-all.js';
import { RunEvents } from '../../src/run/events.js';
import { parseAttrPath } from '../../src/suite/attr-path.js';
import { resolveTarget } from '../../src/target/resolve-target.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const RELEASES = ['24.11', '25.05', '25.11', '26.05', '26.11'] as const;

describe('the catalogue on every supported nixpkgs release', () => {
  const results = new Map<string, ComplianceResult>();
  const check = (release: string, host: string, id: string, firstAlternative: string) => {
    const v = results.get(release)!.results.find((r) => r.host === host && r.controlId === id)!;
    return v.checks.find((c) => c.alternatives?.paths[0] === firstAlternative)!;
  };

  beforeAll(async () => {
    for (const release of RELEASES) {
      results.set(
        release,
        await runComply({
          flake: join(REPO, 'fixtures', 'offline'),
          baseDir: REPO,
          hostsAttr: `releaseVariants."${release}"`,
          jobs: 2,
          timeoutMs: 120_000,
          cacheDir: null,
          today: '2026-11-24',
        }),
      );
    }
  }, 600_000);

  it('evaluates every control without an error on every release and host', () => {
    for (const [release, r] of results) {
      expect(r.hosts.map((h) => h.name).sort(), release).toEqual(['bare', 'broken', 'desktop', 'k3s-node', 'laptop']);
      const errors = r.results.flatMap((v) => [...v.applicability, ...v.checks].filter((c) => c.status === 'error').map((c) => `${v.host} ${v.controlId} ${c.path}: ${c.error}`));
      expect(errors, release).toEqual([]);
    }
  });

  it('gives the fixture hosts the same verdicts on every release (none of them relies on a removed option)', () => {
    const verdicts = (r: ComplianceResult) => Object.fromEntries(r.results.map((v) => [`${v.host} ${v.controlId}`, v.status]));
    const reference = verdicts(results.get('25.05')!);
    for (const release of RELEASES) expect(verdicts(results.get(release)!), release).toEqual(reference);
  });

  it('reads the SSH banner from services.openssh.banner until 25.11 and from settings.Banner after its removal', () => {
    for (const release of ['24.11', '25.05', '25.11']) {
      expect(check(release, 'k3s-node', 'ssh-banner', 'services.openssh.banner'), release).toMatchObject({ path: 'services.openssh.banner', value: null, status: 'fail' });
    }
    for (const release of ['26.05', '26.11']) {
      const c = check(release, 'k3s-node', 'ssh-banner', 'services.openssh.banner');
      expect(c, release).toMatchObject({ path: 'services.openssh.settings.Banner', exists: false, status: 'fail' });
      expect(c.alternatives!.passedOver, release).toEqual([{ path: 'services.openssh.banner', reason: expect.stringMatching(/^removed from this nixpkgs/) }]);
    }
  });

  it('follows coredump.conf, journald and timesyncd settings to their new names', () => {
    expect(check('25.11', 'bare', 'kernel-core-dumps-restricted', 'systemd.coredump.settings.Coredump.Storage').path).toBe('systemd.coredump.extraConfig');
    expect(check('26.05', 'bare', 'kernel-core-dumps-restricted', 'systemd.coredump.settings.Coredump.Storage')).toMatchObject({
      path: 'systemd.coredump.settings.Coredump.Storage',
      value: 'external',
      valueSource: 'documented-default',
    });
    expect(check('26.05', 'k3s-node', 'journald-persistent', 'services.journald.settings.Journal.Storage')).toMatchObject({ path: 'services.journald.storage', value: 'persistent' });
    // 26.11: hardening.nix still sets the old name; the alias forwards it to the new one.
    expect(check('26.11', 'k3s-node', 'journald-persistent', 'services.journald.settings.Journal.Storage')).toMatchObject({
      path: 'services.journald.settings.Journal.Storage',
      value: 'persistent',
      status: 'pass',
    });
    expect(check('26.11', 'laptop', 'journald-compress', 'services.journald.settings.Journal.Compress')).toMatchObject({ value: true, valueSource: 'documented-default', status: 'pass' });
    expect(check('26.11', 'bare', 'timesyncd-poll-interval', 'services.timesyncd.settings.Time.PollIntervalMaxSec')).toMatchObject({ value: 2048, status: 'fail' });
  });

  it('reads auditd.conf settings from security.auditd.settings from 25.11, from /etc/audit/auditd.conf before', () => {
    expect(check('25.05', 'k3s-node', 'auditd-space-left-25-percent', 'security.auditd.settings.space_left')).toMatchObject({ path: 'environment.etc."audit/auditd.conf".text', exists: false, status: 'fail' });
    // From 25.11 NixOS declares space_left with a default in MiB (75), which the STIG's percentage rule rejects.
    expect(check('25.11', 'k3s-node', 'auditd-space-left-25-percent', 'security.auditd.settings.space_left')).toMatchObject({ path: 'security.auditd.settings.space_left', value: 75, status: 'fail' });
  });
});

describe('fix variants per release', () => {
  /** The releases a variant's `releases` text names ("26.05 and later ...", "up to 25.11"). */
  const releasesOf = (text: string): string[] => {
    const from = /^(\d\d\.\d\d) and later/.exec(text);
    const upTo = /^up to (\d\d\.\d\d)/.exec(text);
    if (from) return RELEASES.filter((r) => r >= from[1]!);
    if (upTo) return RELEASES.filter((r) => r <= upTo[1]!);
    throw new Error(`cannot read the releases of "${text}"`);
  };
  /** The options a fix assigns at its top level (`a.b."c.d" = ...;`). */
  const assigned = (nix: string): string[] => [...nix.matchAll(/^([A-Za-z_][\w-]*(?:\.(?:[\w-]+|"[^"]+"))*) =/gm)].map((m) => m[1]!);

  it('assigns only options that each named release declares (no removed-option stub)', async () => {
    const { controls } = await loadCatalogue();
    const wanted = controls.flatMap((c) => c.fixes.filter((f) => f.releases !== undefined).flatMap((f) => releasesOf(f.releases!).flatMap((release) => assigned(f.nix).map((path) => ({ id: c.id, release, path })))));
    expect(new Set(wanted.map((w) => w.id)).size).toBeGreaterThanOrEqual(8);
    const flake = resolveFlake(join(REPO, 'fixtures', 'offline'), REPO);
    /** How the bare host of each release answers each path. */
    const outcomes = async (paths: readonly { release: string; path: string }[]) => {
      const requests: EvalRequest[] = paths.map((p) => ({
        target: resolveTarget({ host: 'bare' }, { flake, hostsAttr: `releaseVariants."${p.release}"` }),
        item: { variant: { config: null, priority: 100 }, root: 'config', path: parseAttrPath(p.path), evidence: false },
      }));
      return (await evaluateAll(requests, new Evaluator({ timeoutMs: 120_000, cacheDir: null }), 2, new RunEvents())).answers.map((a) => a.outcome);
    };
    const answers = await outcomes(wanted);
    const unusable = wanted.filter((_, i) => passedOverBecause(answers[i]!) !== undefined).map((w) => `${w.id} on ${w.release}: ${w.path}`);
    expect(unusable).toEqual([]);
    // The check is not vacuous: the old names are not usable where they are gone.
    const gone = await outcomes([{ release: '26.05', path: 'services.openssh.banner' }, { release: '26.11', path: 'services.journald.extraConfig' }]);
    for (const outcome of gone) expect(passedOverBecause(outcome)).toMatch(/^removed from this nixpkgs/);
  }, 300_000);
});

