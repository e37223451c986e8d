import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixcheckProcess } from '../helpers/cli.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

/**
 * Inputs an adversary (or an unlucky user) writes, end to end through the CLI and Nix.
 * Every run has a hard time limit: a hang is a failure, not a stuck test run.
 */
const LIMIT = { timeout: 90_000 };

function files(entries: Record<string, string | Buffer>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(entries)) writeFileSync(join(dir, name), content);
  return dir;
}

const run = (args: string[], cwd = REPO, env?: Record<string, string>) => nixcheckProcess(args, { cwd, ...(env ? { env } : {}), ...LIMIT });

describe('hostile input', () => {
  it('a catastrophic regex is matched in linear time (a fail verdict, not a hang)', async () => {
    const dir = files({
      'value.nix': `{ config.text = "${'a'.repeat(60)}!"; }\n`,
      'suite.yaml': 'targets: [{ file: value.nix }]\ncases:\n  - { name: nested quantifiers, path: text, matches: "^(a+)+$" }\n',
    });
    const r = await run(['test', '--suite', join(dir, 'suite.yaml'), '--no-cache', '--out', join(dir, 'out'), '-r', 'terminal'], dir);
    expect(r.timedOut).toBe(false);
    expect(r.exitCode, String(r.stderr)).toBe(1);
    expect(String(r.stdout)).toContain('expected a string matching /^(a+)+$/');
  });

  it('a waiver whose host glob would backtrack forever is matched in linear time', async () => {
    const dir = files({ 'waivers.yaml': `waivers:\n  - control: auditd-enabled\n    hosts: "${'*'.repeat(200)}x"\n    justification: j\n    expires: 2099-01-01\n` });
    const r = await run(['comply', '--flake', OFFLINE_FLAKE, '--host', 'k3s-node', '--waivers', join(dir, 'waivers.yaml'), '--format', 'json', '--out', join(dir, 'out'), '--no-cache']);
    expect(r.timedOut).toBe(false);
    expect([0, 1]).toContain(r.exitCode);
  });

  it('durations beyond what a timer can hold are refused: a flag by name, nixcheck.yaml at file:line:col', async () => {
    const flag = await run(['test', '--timeout', '2147484', '--no-cache']);
    expect(flag.exitCode).toBe(2);
    expect(String(flag.stderr)).toContain('--timeout expects at most 86400 seconds (one day), got 2147484');
    const dir = files({ 'nixcheck.yaml': 'flake: .\ntimeout: 1e9\n' });
    const config = await run(['test'], dir);
    expect(config.exitCode).toBe(2);
    expect(String(config.stderr)).toMatch(/nixcheck\.yaml:2:10: "timeout" must be <= 86400/);
    const global = await run(['vm', 'run', '--flake', OFFLINE_FLAKE, '--global-timeout', '0', '--driver', 'true']);
    expect(global.exitCode).toBe(2);
    expect(String(global.stderr)).toContain('--global-timeout expects a positive number of seconds, got 0');
  });

  it('a suite naming a host the flake lacks is exit 2 with the hosts there are; a host that is not a configuration says so', async () => {
    const dir = files({
      'flake.nix': '{ outputs = { self }: { nixosConfigurations = { web = { config.x = 1; }; db = { config.x = 2; }; x = 42; }; }; }\n',
      'suite.yaml': 'targets: [{ host: nope }, { host: x }, { host: web }]\ncases:\n  - { name: c, path: x, gte: 0 }\n',
    });
    const r = await run(['test', '--flake', dir, '--suite', join(dir, 'suite.yaml'), '--no-cache', '--out', join(dir, 'out')], dir);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(String(r.stderr)).toContain('suite.yaml:3:13: no such target: nixosConfigurations.nope; nixosConfigurations has: db, web, x');
    expect(String(r.stdout)).toContain('nixcheck: the target nixosConfigurations.x is of type int, not an attribute set');
    expect(String(r.stdout)).not.toContain('engine.nix');
    expect(String(r.stdout)).toContain('1 passed');
  });

  it('YAML: a hundred reuses of one anchor load; an alias bomb and non-UTF-8 bytes are exit 2 at file:line', async () => {
    const reuse = ['targets: [{ file: value.nix }]', 'cases:', '  - &case { name: same, path: x, equals: 1 }', ...Array.from({ length: 100 }, () => '  - *case')].join('\n');
    const bomb = ['targets: [{ file: value.nix }]', 'x0: &a0 [y, y, y, y, y, y, y, y, y, y]'];
    for (let i = 1; i < 7; i++) bomb.push(`x${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    bomb.push('cases: []');
    const dir = files({
      'value.nix': '{ config.x = 1; }\n',
      'reuse.yaml': reuse,
      'bomb.yaml': bomb.join('\n'),
      'latin1.yaml': Buffer.from('targets: [{ file: value.nix }]\ncases:\n  - { name: "caf\xe9", path: x, equals: 1 }\n', 'latin1'),
    });
    const ok = await run(['test', '--suite', join(dir, 'reuse.yaml'), '--no-cache', '--out', join(dir, 'out')], dir);
    expect(ok.exitCode, String(ok.stderr)).toBe(0);
    expect(String(ok.stdout)).toContain('101 passed');
    const bad = await run(['test', '--suite', join(dir, 'bomb.yaml'), '--no-cache', '--out', join(dir, 'out')], dir);
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toMatch(/bomb\.yaml:6:\d+: aliases expand this file to more than 100000 values/);
    const latin1 = await run(['test', '--suite', join(dir, 'latin1.yaml'), '--no-cache', '--out', join(dir, 'out')], dir);
    expect(latin1.exitCode).toBe(2);
    expect(String(latin1.stderr)).toMatch(/latin1\.yaml:3:17: byte 0xe9 \(offset \d+\) does not start a valid UTF-8 character/);
  });

  it('--suite takes a file name with a comma as it is (path flags are repeated, never split)', async () => {
    const dir = files({ 'value.nix': '{ config.x = 1; }\n', 'a,b.yaml': 'targets: [{ file: value.nix }]\ncases:\n  - { name: comma, path: x, equals: 1 }\n' });
    const r = await run(['test', '--suite', join(dir, 'a,b.yaml'), '--no-cache', '--out', join(dir, 'out')], dir);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toContain('1 passed');
  });
});
