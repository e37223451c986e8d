import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv4 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatComplianceTerminal } from '../../src/compliance/report/compliance-terminal.js';
import { writeComplianceReports } from '../../src/compliance/report/index.js';
import { runComply, type ComplianceResult } from '../../src/compliance/run-comply.js';
import { validatorFor } from '../../src/util/schemas.js';
import { renderedDom, screenshot } from '../helpers/chromium.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

const UPSTREAM = ['fixtures/offline/nixos-options/**', 'fixtures/offline/lib/**'];

describe('compliance reports for the offline example flake', () => {
  const out = tempDir();
  let result: ComplianceResult;
  const verdict = (host: string, id: string) => result.results.find((r) => r.host === host && r.controlId === id)!;

  beforeAll(async () => {
    const waivers = join(out, 'waivers.yaml');
    writeFileSync(
      waivers,
      [
        'waivers:',
        '  - control: kernel-ptrace-admin-only',
        '    hosts: "ba*"',
        '    justification: debuggers are needed on this lab machine',
        '    expires: 2027-01-31',
        '  - control: auditd-enabled',
        '    justification: audit moved to the SIEM agent',
        '    expires: 2026-01-01',
      ].join('\n'),
    );
    result = await runComply({
      flake: OFFLINE_FLAKE,
      baseDir: REPO,
      hostsAttr: 'nixosConfigurations',
      hosts: ['bare', 'k3s-node'],
      waiverFiles: [waivers],
      failOn: 'critical',
      failUnder: 90,
      today: '2026-11-24',
      upstream: UPSTREAM,
      jobs: 2,
      timeoutMs: 60_000,
      cacheDir: null,
    });
    const { failures } = await writeComplianceReports(result, out);
    expect(failures).toEqual([]);
  }, 120_000);

  it('applies waivers, reports expired ones, and gates', () => {
    expect(verdict('bare', 'kernel-ptrace-admin-only')).toMatchObject({ status: 'waived', waiver: { justification: 'debuggers are needed on this lab machine' } });
    expect(verdict('k3s-node', 'kernel-ptrace-admin-only').status).not.toBe('waived');
    expect(verdict('bare', 'auditd-enabled')).toMatchObject({ status: 'fail', expiredWaiver: { expires: '2026-01-01' } });
    expect(result.expiredWaivers.map((w) => w.control)).toEqual(['auditd-enabled']);
    expect(result.gate.failed).toBe(true);
    expect(result.gate.reasons.some((r) => /bare: weighted score .* is below 90/.test(r))).toBe(true);
    expect(validatorFor('compliance')(result)).toBe(true);
  });

  it('writes SARIF 2.1.0 that the official schema accepts, located where the failing value was set', () => {
    const sarif = JSON.parse(readFileSync(join(out, 'compliance.sarif'), 'utf8'));
    const ajv = new Ajv4({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(REPO, 'schemas/vendor/sarif-schema-2.1.0.json'), 'utf8')));
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const results = sarif.runs[0].results as { ruleId: string; properties: { host: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[];
    const forwarding = results.find((r) => r.ruleId === 'sysctl-ipv4-forwarding-disabled' && r.properties.host === 'k3s-node')!;
    const loc = forwarding.locations[0]!.physicalLocation;
    expect(loc.artifactLocation.uri).toBe('fixtures/offline/modules/profiles/k8s-lab.nix');
    expect(readFileSync(join(REPO, loc.artifactLocation.uri), 'utf8').split('\n')[loc.region.startLine - 1]).toMatch(/net\.ipv4\.ip_forward/);
    // A NixOS default nobody set points at the host's own file.
    const nullok = results.find((r) => r.ruleId === 'pam-no-null-passwords' && r.properties.host === 'bare')!;
    expect(nullok.locations[0]!.physicalLocation.artifactLocation.uri).toBe('fixtures/offline/hosts/bare/default.nix');
    expect(results.every((r) => !r.locations[0]!.physicalLocation.artifactLocation.uri.startsWith('/'))).toBe(true);
  });

  it('writes JUnit with a testcase per control and host, carrying CIS/STIG/NIST properties', async () => {
    const file = join(out, 'compliance-junit.xml');
    const r = await execa('xmllint', ['--noout', '--nonet', '--schema', join(REPO, 'schemas/junit/junit.xsd'), file], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const xml = readFileSync(file, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(result.results.length);
    expect(xml).toMatch(/<property name="stig" value="V-268137"\/>/);
    expect(xml).toMatch(/<property name="cis" value="5\.1\.20 L1 server\/workstation"\/>/);
  });

  it('cuts long values in the terminal output as the HTML report does (the derived sudoers file)', () => {
    const text = formatComplianceTerminal(result, result.results.length);
    const sudoers = text.split('\n').find((l) => l.includes('security.sudo.configFile = '))!;
    expect(sudoers).toBeDefined();
    const full = JSON.stringify(result.results.flatMap((r) => r.checks).find((c) => c.path === 'security.sudo.configFile')!.value);
    expect(full.length).toBeGreaterThan(300);
    expect(sudoers).toContain(`= ${full.slice(0, 300)}…; `);
    const long = result.results.flatMap((r) => r.checks).map((c) => JSON.stringify(c.value) ?? '').filter((v) => v.length > 300);
    for (const value of long) expect(text).not.toContain(value);
  });

  it('writes a Markdown summary with scores, findings, waivers and expired waivers', () => {
    const md = readFileSync(join(out, 'compliance.md'), 'utf8');
    for (const host of ['bare', 'k3s-node']) {
      const s = result.scores[host]!.overall;
      expect(md).toContain(`| ${host} | ${s.weighted!.toFixed(1)}% | ${s.ratio!.toFixed(1)}% |`);
    }
    expect(md).toMatch(/### Expired waivers \(1, no longer counted\)/);
    expect(md).toMatch(/fixtures\/offline\/modules\/profiles\/k8s-lab\.nix:\d+/);
  });

  it('renders a self-contained HTML report in headless Chromium with the right counts', async () => {
    const html = join(out, 'compliance.html');
    expect(readFileSync(html, 'utf8')).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']https?:/);
    const dom = await renderedDom(html);
    const count = (status: string) => Number(new RegExp(`id="count-${status}" data-count="(\\d+)"`).exec(dom)?.[1]);
    for (const status of ['pass', 'fail', 'error', 'waived', 'not-applicable', 'manual'] as const) {
      expect(count(status), status).toBe(result.results.filter((r) => r.status === status).length);
    }
    expect(dom).toContain(`<b id="shown">${result.results.length}</b>`);
    expect(dom).toMatch(/<tr data-status="fail">/);
    const weighted = result.scores['bare']!.overall.weighted!.toFixed(1);
    expect(dom).toContain(`<b class="weighted">${weighted}%</b>`);
    // Keep a picture of it next to the example run's reports.
    mkdirSync(join(REPO, 'reports'), { recursive: true });
    await screenshot(html, join(REPO, 'reports', 'compliance-html.png'));
  }, 120_000);
});
