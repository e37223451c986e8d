import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/compliance/catalogue.js';
import type { ControlResult } from '../../src/compliance/evaluate-controls.js';
import type { ComplianceResult } from '../../src/compliance/run-comply.js';
import { validatorFor } from '../../src/util/schemas.js';
import { REPO, tempDir } from '../helpers/paths.js';
import { freePort, sshdUnavailable, startSshd, type TestSshd } from '../helpers/sshd.js';

/**
 * `comply --target` for real: the catalogue's runtime checks on this machine, through a
 * throwaway sshd on 127.0.0.1 and directly. This machine is not NixOS, so many checks fail
 * or cannot be answered; what matters is that none passes without a real answer.
 */
const unavailable = sshdUnavailable();
if (unavailable) console.warn(`SKIPPED the live-target tests: ${unavailable}`);

const PATH = `${process.env.PATH}:/usr/sbin:/sbin`;
const found = new Map<string, boolean>();
const installed = (tool: string): boolean => {
  if (!found.has(tool)) {
    try {
      execFileSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore', env: { ...process.env, PATH } });
      found.set(tool, true);
    } catch {
      found.set(tool, false);
    }
  }
  return found.get(tool)!;
};
const comply = (...args: string[]) => execa('npx', ['tsx', 'src/cli/bin.ts', 'comply', ...args], { cwd: REPO, reject: false, env: { PATH } });
const readResult = (out: string): ComplianceResult => JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8'));
const runtimeOf = (r: ControlResult) => (r.runtime ?? []).map((x) => ({ command: x.command, status: x.status, exitCode: x.exitCode, stdout: x.stdout }));

describe.skipIf(unavailable !== undefined)('comply --target against this machine', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  }, 60_000);
  afterAll(() => sshd?.stop());

  it('runs every runtime check over ssh and locally: the same answers, and no pass without one', async () => {
    const out = tempDir();
    const ssh = `ssh://root@127.0.0.1:${sshd.port}`;
    const r = await comply('--target', ssh, '--target', 'local', '--ssh-config', sshd.clientConfig, '--out', out);
    // Not NixOS: findings, so exit 1 (no gate given); every report written.
    expect(r.exitCode, `${r.stderr}\n${sshd.log()}`).toBe(1);
    for (const f of ['compliance.json', 'compliance.md', 'compliance.html', 'compliance.sarif', 'compliance-junit.xml']) expect(existsSync(join(out, f)), f).toBe(true);
    const result = readResult(out);
    expect(validatorFor('compliance')(result)).toBe(true);
    expect(result.flake).toBeNull();
    expect(result.hosts.map((h) => [h.name, h.live?.target, h.live?.error])).toEqual([[ssh, ssh, undefined], ['local', 'local', undefined]]);

    const catalogue = await loadCatalogue();
    const withRuntime = catalogue.controls.filter((c) => c.runtime.length > 0);
    const overSsh = result.results.filter((x) => x.host === ssh);
    const local = result.results.filter((x) => x.host === 'local');
    expect(overSsh.map((x) => x.controlId)).toEqual(withRuntime.map((c) => c.id));
    expect(local.map((x) => x.controlId)).toEqual(withRuntime.map((c) => c.id));
    // The same machine: the same answers either way.
    for (const x of overSsh) expect(runtimeOf(x), x.controlId).toEqual(runtimeOf(local.find((y) => y.controlId === x.controlId)!));
    expect(overSsh.map((x) => x.status)).toEqual(local.map((x) => x.status));

    let sshdConfig: string | undefined;
    for (const x of local) {
      const control = catalogue.byId.get(x.controlId)!;
      control.runtime.forEach((check, k) => {
        const got = x.runtime![k]!;
        // A tool this machine lacks never yields a pass (unless the command asks `command -v` first).
        for (const tool of ['auditctl', 'aa-status', 'modprobe', 'nft', 'iptables', 'usbguard', 'sshd', 'sysctl', 'findmnt', 'systemd-analyze', 'nix']) {
          const uses = new RegExp(`(^|[\\s;|&({$])${tool}(\\s|$)`).test(check.command) && !check.command.includes(`command -v ${tool}`);
          if (uses && !installed(tool)) expect(got, `${x.controlId}: ${tool} is not installed here`).toMatchObject({ status: 'error' });
        }
        // sysctl answers are what the kernel says here, read independently.
        const sysctl = /^sysctl -n ([\w.]+)( \| sort -u)?$/.exec(check.command);
        if (sysctl) {
          const file = `/proc/sys/${sysctl[1]!.replace(/\./g, '/')}`;
          if (existsSync(file)) expect(got, x.controlId).toMatchObject({ exitCode: 0, stdout: readFileSync(file, 'utf8').trim() });
          else expect(got, x.controlId).toMatchObject({ status: 'error' });
        }
        // sshd -T answers are what sshd -T says here.
        const key = /^sshd -T \| awk '\$1 == "(\w+)" \{ print \$2 \}'$/.exec(check.command)?.[1];
        if (key) {
          sshdConfig ??= execFileSync('sshd', ['-T'], { encoding: 'utf8', env: { ...process.env, PATH } });
          const line = sshdConfig.split('\n').find((l) => l.split(' ')[0] === key);
          expect(got, x.controlId).toMatchObject({ exitCode: 0, stdout: line?.split(' ')[1] ?? '' });
        }
      });
      if (x.status === 'pass') expect(x.runtime!.every((y) => y.status === 'pass' && y.exitCode !== null)).toBe(true);
    }
  }, 600_000);

  it('compares a flake host with this machine: drift exactly where the values differ', async () => {
    const out = tempDir();
    const r = await comply('--flake', 'fixtures/offline', '--host', 'laptop', '--target', 'local', '--today', '2026-11-24', '--format', 'json', '--out', out);
    expect(r.exitCode, r.stderr).toBe(1);
    const result = readResult(out);
    expect(result.hosts).toMatchObject([{ name: 'laptop', live: { target: 'local' } }]);
    const catalogue = await loadCatalogue();
    let compared = 0;
    for (const x of result.results) {
      const control = catalogue.byId.get(x.controlId)!;
      control.runtime.forEach((check, k) => {
        const path = check.printsValueOf;
        const sysctl = /^sysctl -n ([\w.]+)/.exec(check.command)?.[1];
        if (!path || !sysctl || !existsSync(`/proc/sys/${sysctl.replace(/\./g, '/')}`)) return;
        const evaluated = x.checks.find((c) => c.path === path.path);
        const live = readFileSync(`/proc/sys/${sysctl.replace(/\./g, '/')}`, 'utf8').trim();
        const drift = (x.drift ?? []).find((d) => d.path === path.path);
        if (!evaluated?.exists || x.runtime![k]!.status === 'error') return expect(drift, x.controlId).toBeUndefined();
        compared++;
        if (Number(evaluated.value) === Number(live)) expect(drift, x.controlId).toBeUndefined();
        else {
          expect(drift, x.controlId).toEqual({ path: path.path, evaluated: evaluated.value, live, command: check.command });
          expect(x.status, x.controlId).toBe(x.runtime!.some((y) => y.status === 'fail') || evaluated.status === 'fail' ? 'fail' : 'drift');
        }
      });
    }
    expect(compared).toBeGreaterThan(0);
  }, 600_000);

  it('a target that cannot be reached: exit 3 after the reports, and the reason', async () => {
    const out = tempDir();
    const closed = `ssh://root@127.0.0.1:${await freePort()}`;
    const r = await comply('--target', closed, '--ssh-config', sshd.clientConfig, '--format', 'json', '--out', out);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/Connection refused/);
    const result = readResult(out);
    expect(result.hosts[0]!.live!.error).toMatch(/ended early \(ssh exited 255\): .*Connection refused/);
    // Nothing could be decided: no verdict pretends otherwise.
    expect(new Set(result.results.map((x) => x.status))).toEqual(new Set(['manual']));
  }, 300_000);
});
