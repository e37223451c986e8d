/**
 * Controls on options a configuration does not declare: `whenAbsent` stands in only for
 * a key missing inside a declared option, and an error verdict explains the error, not a
 * failing sibling. A flake whose only host declares boot.kernel.sysctl, on the offline
 * fixture's imitation of the module system.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decidingCheck, describeCheck, findingLocation } from '../../src/compliance/report/finding-location.js';
import { buildSarif } from '../../src/compliance/report/compliance-sarif.js';
import { runComply, type ComplianceResult } from '../../src/compliance/run-comply.js';
import { REPO } from '../helpers/paths.js';
import { removeTempTrees, tempTree } from './helpers.js';

afterAll(removeTempTrees);

const LIB = join(REPO, 'fixtures', 'offline', 'lib');
const control = (id: string, checks: string) => `  - id: ${id}
    title: ${id}
    severity: medium
    rationale: r
    remediation: m
    fix: x = 1;
    refs: {}
    checks:
${checks}
`;

describe('controls on undeclared options (real nix)', () => {
  let result: ComplianceResult;
  let flakeDir: string;
  const verdict = (id: string) => result.results.find((r) => r.controlId === id)!;

  beforeAll(async () => {
    const lib = Object.fromEntries(readdirSync(LIB).map((f) => [`flake/lib/${f}`, readFileSync(join(LIB, f), 'utf8')]));
    const root = await tempTree({
      ...lib,
      'flake/flake.nix': `{
  outputs = { self }: {
    nixosConfigurations.minimal = (import ./lib).evalModules {
      modules = [ ./host.nix { boot.kernel.sysctl."kernel.sysrq" = 1; } ];
    };
  };
}
`,
      'flake/host.nix': `{ lib, ... }:
{
  options.boot.kernel.sysctl = lib.mkOption { type = lib.types.attrsOf lib.types.int; default = { }; };
  config.boot.kernel.sysctl."kernel.kptr_restrict" = 2;
}
`,
      'controls/mine.yaml': `controls:
${control('umask', `      - path: security.loginDefs.settings.UMASK
        equals: "077"
        whenAbsent: "022"
        whenAbsentNote: login.defs default`)}${control('ra', `      - anyOf:
          - path: networking.enableIPv6
            equals: false
          - path: boot.kernel.sysctl."net.ipv6.conf.all.accept_ra"
            equals: 0
            whenAbsent: 1
            whenAbsentNote: Linux default`)}${control('dmesg', `      - path: boot.kernel.sysctl."kernel.dmesg_restrict"
        equals: 1
        whenAbsent: 0
        whenAbsentNote: Linux default`)}${control('sysrq', `      - path: boot.kernel.sysctl."kernel.sysrq"
        equals: 0`)}${control('no-firewalld', `      - path: boot.kernel.sysctl."kernel.kptr_restrict"
        gte: 1
      - path: services.firewalld.enable
        not: { equals: true }
        ifDeclared: true`)}${control('no-firewalld-broken', `      - path: boot.kernel.sysctl."kernel.kptr_restrict"
        gte: 3
      - path: services.firewalld.enable
        not: { equals: true }
        ifDeclared: true`)}`,
    });
    flakeDir = join(root, 'flake');
    result = await runComply({
      flake: flakeDir,
      baseDir: root,
      hostsAttr: 'nixosConfigurations',
      controlDirs: [join(root, 'controls')],
      jobs: 1,
      timeoutMs: 60_000,
      cacheDir: null,
      today: '2026-11-24',
    });
  }, 120_000);

  it('does not judge an undeclared option by its documented default', () => {
    const umask = verdict('umask');
    expect(umask.status).toBe('error');
    expect(umask.message).toBe('security.loginDefs.settings.UMASK: no option is declared at security.loginDefs.settings.UMASK in this configuration');
  });

  it('still applies whenAbsent to a key missing inside a declared option', () => {
    const dmesg = verdict('dmesg');
    expect(dmesg.status).toBe('fail');
    expect(dmesg.checks[0]).toMatchObject({ valueSource: 'documented-default', value: 0 });
  });

  it('lets an ifDeclared check hold vacuously where its option is not declared, and says so', () => {
    const firewalld = verdict('no-firewalld');
    expect(firewalld.status).toBe('pass');
    expect(firewalld.checks[1]).toMatchObject({ path: 'services.firewalld.enable', status: 'pass', exists: false, valueSource: 'undeclared' });
    expect(describeCheck(firewalld.checks[1]!)).toBe('services.firewalld.enable = (unset); no such option in this configuration: the check applies only where it is declared');
    // The vacuous check never decides: the other check's failure does.
    const failing = verdict('no-firewalld-broken');
    expect(failing.status).toBe('fail');
    expect(decidingCheck(failing)!.path).toBe('boot.kernel.sysctl."kernel.kptr_restrict"');
  });

  it('names a value set by an inline module as such, not as a NixOS default', () => {
    const sysrq = verdict('sysrq');
    expect(sysrq.status).toBe('fail');
    expect(sysrq.checks[0]).toMatchObject({ value: 1, valueSource: 'user' });
    // The inline module cannot be taken out to see what it overrode.
    expect(describeCheck(sysrq.checks[0]!)).toBe('boot.kernel.sysctl."kernel.sysrq" = 1; set by inline module (normal); what it overrides is unknown');
    const sarif = buildSarif(result) as { runs: { results: { ruleId: string; message: { text: string } }[] }[] };
    expect(sarif.runs[0]!.results.find((r) => r.ruleId === 'sysrq')!.message.text).toContain('set by inline module (normal)');
  });

  it("explains an error verdict by the error, in the message, the report's text and its location", () => {
    const ra = verdict('ra');
    expect(ra.status).toBe('error');
    expect(ra.message).toBe('networking.enableIPv6: no option is declared at networking.enableIPv6 in this configuration');
    const deciding = decidingCheck(ra)!;
    expect(deciding.path).toBe('networking.enableIPv6');
    expect(describeCheck(deciding)).toBe('networking.enableIPv6: no option is declared at networking.enableIPv6 in this configuration');
    const sarif = buildSarif(result) as { runs: { results: { ruleId: string; message: { text: string } }[] }[] };
    const text = sarif.runs[0]!.results.find((r) => r.ruleId === 'ra')!.message.text;
    expect(text).toContain('networking.enableIPv6: no option is declared');
    expect(text).not.toContain('accept_ra');
    expect(findingLocation(ra, result)).toBeUndefined();
  });
});
