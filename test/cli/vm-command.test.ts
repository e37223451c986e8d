import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/model.js';
import { validatorFor } from '../../src/util/schemas.js';
import { REPO, tempDir } from '../helpers/paths.js';

// `vm run --driver` replays a recorded log through the STAND-IN driver
// (test/fixtures/driver-logs/stand-in-driver.mjs): no VM boots here.
const STAND_IN = `${process.execPath} ${join(REPO, 'test/fixtures/driver-logs/stand-in-driver.mjs')} --log ${join(REPO, 'test/fixtures/driver-logs/integration-pass.log')}`;

describe('nixcheck vm', () => {
  it('compiles every integration test into test.nix and testScript.py', async () => {
    const out = tempDir();
    const r = await execa('npx', ['tsx', 'src/cli/bin.ts', 'vm', 'compile', '--out', out], { cwd: REPO, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const dir = join(out, 'vm', 'ssh-and-firewall-sshd-is-up-on-the-laptop');
    expect(readFileSync(join(dir, 'test.nix'), 'utf8')).toMatch(/runNixOSTest/);
    expect(readFileSync(join(dir, 'testScript.py'), 'utf8')).toMatch(/wait_for_unit/);
  });

  it('writes VM results into the result model and JUnit', async () => {
    const out = tempDir();
    const r = await execa('npx', ['tsx', 'src/cli/bin.ts', 'vm', 'run', '--out', out, '--driver', STAND_IN], { cwd: REPO, reject: false });
    // Only the first test matches the replayed log; the others fail: exit 1.
    expect(r.exitCode, r.stderr).toBe(1);
    const result: RunResult = JSON.parse(readFileSync(join(out, 'vm-results.json'), 'utf8'));
    expect(validatorFor('results')(result)).toBe(true);
    const first = result.cases.filter((c) => c.name.startsWith('sshd is up on the laptop'));
    expect(first.map((c) => c.verdict)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    expect(first.every((c) => c.kind === 'integration')).toBe(true);
    const junit = join(out, 'vm-junit.xml');
    const lint = await execa('xmllint', ['--noout', '--nonet', '--schema', join(REPO, 'schemas/junit/junit.xsd'), junit], { reject: false });
    expect(lint.exitCode, lint.stderr).toBe(0);
    expect(readFileSync(junit, 'utf8')).toMatch(/<property name="kind" value="integration"\/>/);
  });

  it('reports what the VM preflight finds on this machine', async () => {
    const r = await execa('npx', ['tsx', 'src/cli/bin.ts', 'vm', 'preflight', '--json'], { cwd: REPO, reject: false });
    const report = JSON.parse(r.stdout);
    expect(report.kvm).toMatchObject({ path: '/dev/kvm', exists: existsSync('/dev/kvm') });
    expect(report.nixVersion).toMatch(/^\d+\.\d+/);
    // Every problem says how to fix it; an error-severity problem means exit 3.
    for (const p of report.problems) expect(p.fix.length).toBeGreaterThan(0);
    const errors = report.problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(r.exitCode).toBe(errors.length > 0 ? 3 : 0);
  });
});
