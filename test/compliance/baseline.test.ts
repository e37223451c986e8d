import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { ComplianceResult } from '../../src/compliance/run-comply.js';
import { REPO, tempDir } from '../helpers/paths.js';

const comply = (...args: string[]) => execa('npx', ['tsx', 'src/cli/bin.ts', 'comply', '--host', 'k3s-node', '--format', 'json', '--today', '2026-11-24', ...args], { cwd: REPO, reject: false });

describe('nixcheck comply --baseline and gates', () => {
  it('compares with an earlier compliance.json: newly failing, newly passing, score delta', async () => {
    const out = tempDir();
    const first = await comply('--out', out);
    // No gate given: the host's failing controls fail the run.
    expect(first.exitCode, first.stderr).toBe(1);
    expect(first.stdout).toMatch(/gate: k3s-node: \d+ failing, \d+ erroring, 0 drifting control\(s\)/);
    const earlier: ComplianceResult = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8'));
    // Pretend ip forwarding passed before and Bluetooth failed before.
    for (const r of earlier.results) {
      if (r.controlId === 'sysctl-ipv4-forwarding-disabled') r.status = 'pass';
      if (r.controlId === 'bluetooth-disabled') r.status = 'fail';
    }
    const baseline = join(out, 'baseline.json');
    writeFileSync(baseline, JSON.stringify(earlier));
    const again = await comply('--out', out, '--baseline', baseline);
    expect(again.stdout).toMatch(/against the baseline: 1 newly failing, 1 newly passing/);
    const now: ComplianceResult = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8'));
    expect(now.baseline!.newlyFailing.map((c) => c.controlId)).toEqual(['sysctl-ipv4-forwarding-disabled']);
    expect(now.baseline!.newlyPassing.map((c) => c.controlId)).toEqual(['bluetooth-disabled']);
    expect(now.baseline!.hosts['k3s-node']!.delta).toBeCloseTo(now.scores['k3s-node']!.overall.weighted! - now.baseline!.hosts['k3s-node']!.before!, 9);
  });

  it('gates: --fail-on high exits 1 with the reasons, a gate that passes decides alone (exit 0), an unknown profile exits 2', async () => {
    const gated = await comply('--out', tempDir(), '--fail-on', 'high');
    expect(gated.exitCode).toBe(1);
    expect(gated.stdout).toMatch(/gate: k3s-node: .* \(high\) failed/);
    const lenient = await comply('--out', tempDir(), '--fail-under', '1');
    expect(lenient.stdout).toMatch(/k3s-node .* [1-9]\d* fail/);
    expect(lenient.exitCode, lenient.stdout).toBe(0);
    const unknown = await comply('--out', tempDir(), '--profile', 'cis-l9');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/unknown compliance profile "cis-l9"; known profiles: .*cis-l1-server/);
  });

  it('a malformed waiver file is an error naming file:line', async () => {
    const dir = tempDir();
    const waivers = join(dir, 'waivers.yaml');
    writeFileSync(waivers, 'waivers:\n  - control: firewall-enabled\n    expires: 2027-01-01\n');
    const r = await comply('--out', dir, '--waivers', waivers);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/waivers\.yaml:2:\d+: .*justification/);
  });
});
