import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/model.js';
import { validatorFor } from '../../src/util/schemas.js';
import { compileChaosScenario, loadChaosSuites } from '../../src/vm/chaos/index.js';
import { runWithFakeMachines } from '../vm/driver/helpers.js';
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

describe('nixcheck chaos', () => {
  it('`chaos run --driver` runs scenarios through a stand-in, as `vm run` does, keeping the disk-full fault\'s df output', async () => {
    const dir = tempDir();
    const suiteFile = join(dir, 'disk.yaml');
    writeFileSync(
      suiteFile,
      `suite: disk
scenarios:
  - name: journald survives a full /var/log
    nodes: { laptop: { host: laptop } }
    steadyState:
      probes:
        - unitActive: { node: laptop, unit: systemd-journald.service }
    fault:
      diskFull: { node: laptop, path: /var/log, sizeMiB: 64 }
    recoveryDeadline: 30
`,
    );
    const [scenario] = await loadChaosSuites([suiteFile], dir);
    const df = 'Filesystem      Size  Used Avail Use% Mounted on\ntmpfs            64M   64M     0 100% /var/log\n';
    const fake = runWithFakeMachines(compileChaosScenario(scenario!, { flakeRef: 'x' }).python, {
      nodes: { laptop: { ip: '192.168.1.1', hostName: 'laptop' } },
      rules: [{ contains: 'fallocate', out: df }],
    });
    const log = join(dir, 'driver.log');
    writeFileSync(log, fake.log);
    const out = join(dir, 'out');
    const r = await execa('npx', ['tsx', 'src/cli/bin.ts', 'chaos', 'run', '--flake', 'fixtures/offline', '--suite', suiteFile, '--out', out, '--driver', `${process.execPath} ${join(REPO, 'test/fixtures/driver-logs/stand-in-driver.mjs')} --log ${log}`], { cwd: REPO, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/resilience laptop: 100\.0% \(1\/1 recovered\)/);
    const result: RunResult = JSON.parse(readFileSync(join(out, 'chaos-results.json'), 'utf8'));
    expect(result.cases).toMatchObject([{ kind: 'chaos', verdict: 'pass', properties: { faultKind: 'diskFull', faultOutput: df.trim() } }]);
  });
});

