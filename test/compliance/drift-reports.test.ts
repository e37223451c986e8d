import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatComplianceTerminal } from '../../src/compliance/report/compliance-terminal.js';
import { writeComplianceReports } from '../../src/compliance/report/index.js';
import { runComply, type ComplianceResult } from '../../src/compliance/run-comply.js';
import { parseLiveTarget } from '../../src/live/target.js';
import { validatorFor } from '../../src/util/schemas.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

/**
 * Drift end to end and deterministic: the laptop of the example flake evaluates
 * kernel.kptr_restrict to 2; on `local`, a stand-in `sysctl` first on PATH answers 1 (the
 * control's checks pass either way, >= 1), so the control drifts. Every other sysctl the
 * stand-in refuses: those checks are errors, not passes.
 */
describe('drift in every report', () => {
  const out = tempDir();
  let result: ComplianceResult;
  const kptr = () => result.results.find((r) => r.controlId === 'kernel-kptr-restrict')!;

  beforeAll(async () => {
    const bin = tempDir('nixcheck-stand-in-');
    writeFileSync(join(bin, 'sysctl'), '#!/bin/sh\nif [ "$1" = -n ] && [ "$2" = kernel.kptr_restrict ]; then echo 1; exit 0; fi\necho "stand-in sysctl: $*" >&2\nexit 255\n', { mode: 0o755 });
    process.env.PATH = `${bin}:${process.env.PATH}`;
    result = await runComply({
      flake: OFFLINE_FLAKE,
      baseDir: REPO,
      hostsAttr: 'nixosConfigurations',
      hosts: ['laptop'],
      profile: 'stig-nixos',
      today: '2026-11-24',
      upstream: ['fixtures/offline/nixos-options/**', 'fixtures/offline/lib/**'],
      jobs: 1,
      timeoutMs: 60_000,
      cacheDir: null,
      live: { targets: [parseLiveTarget('local')], commandTimeoutS: 30 },
    });
    expect((await writeComplianceReports(result, out)).failures).toEqual([]);
  }, 300_000);

  it('the result: status drift, both values, the command, and a failed default gate', () => {
    expect(validatorFor('compliance')(result)).toBe(true);
    expect(kptr()).toMatchObject({
      host: 'laptop',
      target: 'local',
      status: 'drift',
      checks: [{ status: 'pass', value: 2 }],
      runtime: [{ status: 'pass', stdout: '1' }],
      drift: [{ path: 'boot.kernel.sysctl."kernel.kptr_restrict"', evaluated: 2, live: '1', command: 'sysctl -n kernel.kptr_restrict' }],
    });
    // The stand-in refused every other sysctl: errors, never passes.
    const aslr = result.results.find((r) => r.controlId === 'kernel-aslr-full')!;
    expect(aslr).toMatchObject({ status: 'error', runtime: [{ status: 'error', exitCode: 255, stderr: 'stand-in sysctl: -n kernel.randomize_va_space' }] });
    expect(result.scores['laptop']!.overall.counts.drift).toBe(1);
    expect(result.gate.failed).toBe(true);
    expect(result.gate.reasons).toEqual([expect.stringMatching(/^laptop: \d+ failing, \d+ erroring, 1 drifting control\(s\)$/)]);
  });

  it('terminal, Markdown, JUnit, HTML and SARIF (at the line that set the flake value) carry it', () => {
    const said = 'drift: the flake evaluates boot.kernel.sysctl."kernel.kptr_restrict" to 2, local has "1" (`sysctl -n kernel.kptr_restrict`)';
    expect(formatComplianceTerminal(result, 1000)).toContain(`DRIFT [medium] laptop kernel-kptr-restrict: Kernel pointers are hidden from unprivileged users\n  boot.kernel.sysctl."kernel.kptr_restrict" = 2; set by`);
    expect(formatComplianceTerminal(result, 1000)).toContain(`  ${said}`);
    expect(readFileSync(join(out, 'compliance.md'), 'utf8')).toMatch(/\| laptop \| `kernel-kptr-restrict` .* \| medium \| .*drift: the flake evaluates .* to 2, local has "1"/);
    const junit = readFileSync(join(out, 'compliance-junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase[^>]*name="kernel-kptr-restrict: [^"]*"[^>]*>\s*<properties>[\s\S]*?<property name="status" value="drift"\/>[\s\S]*?<failure/);
    const html = readFileSync(join(out, 'compliance.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="data">(.*)<\/script>/.exec(html)![1]!) as { rows: { id: string; status: string; message: string }[] };
    expect(data.rows.find((r) => r.id === 'kernel-kptr-restrict')).toMatchObject({ status: 'drift', message: said });
    const sarif = JSON.parse(readFileSync(join(out, 'compliance.sarif'), 'utf8'));
    const finding = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'kernel-kptr-restrict');
    expect(finding.message.text).toContain('passes, but the running system drifted from the flake');
    expect(finding.properties.status).toBe('drift');
    const loc = finding.locations[0].physicalLocation;
    expect(readFileSync(join(REPO, loc.artifactLocation.uri), 'utf8').split('\n')[loc.region.startLine - 1]).toMatch(/kernel\.kptr_restrict/);
  });
});
