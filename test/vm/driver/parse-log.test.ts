import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineLines, parseDriverLog } from '../../../src/vm/driver/parse-log.js';
import { LOGS } from './helpers.js';

const log = (name: string) => readFileSync(join(LOGS, name), 'utf8');

describe('parseDriverLog (logs in the real driver format, stand-in fixtures)', () => {
  it('a passing run: markers, subtests with durations, timeout, QEMU pid, ANSI stripped', () => {
    const p = parseDriverLog(log('integration-pass.log'));
    expect([...p.steps.keys()]).toEqual([0, 1, 2, 3, 4]);
    expect([...p.steps.values()].map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(p.steps.get(0)!.endT! - p.steps.get(0)!.beginT!).toBeCloseTo(14.5, 3);
    expect(p.steps.get(3)!.outputs).toEqual([{ stdout: 'passwordauthentication no\n', truncated: false, exitCode: 0 }]);
    expect(p.subtests.map((s) => [s.name, s.durationS])).toEqual([
      ['0. boot laptop to multi-user.target', 14.5],
      ['1. laptop: wait for unit sshd.service', 0.35],
      ['2. laptop: wait for port 22', 0.12],
      ['3. sshd refuses password logins', 0.22],
      ['4. root login is not allowed with a password', 0.2],
    ]);
    expect(p.globalTimeoutS).toBe(900);
    expect(p.qemuPids).toEqual([4242]);
    expect(p.scriptFinishedS).toBe(15.46);
    expect(p.failure).toBeUndefined();
    expect(p.lines.join('\n')).not.toContain('\u001b');
    expect(machineLines(p, { machine: 'laptop', last: 1 })).toEqual([
      'laptop # qemu-system-x86_64: terminating on signal 15 from pid 4100 (/nix/store/0000000000000000000000000000000-python3-3.11.9/bin/python3.11)',
    ]);
    expect(machineLines(p, { machine: 'laptop' })).toContain('laptop # [   OK ] Reached target Multi-User System.');
  });

  it('a failing run: the failed step, the driver failure line and the traceback', () => {
    const p = parseDriverLog(log('integration-fail.log'));
    expect(p.steps.get(3)).toMatchObject({ status: 'failed', error: "command `sshd -T | grep -i '^passwordauthentication'` failed (exit code 1)" });
    expect(p.steps.has(4)).toBe(false);
    expect(p.failure).toEqual({ test: '3. sshd refuses password logins', message: "command `sshd -T | grep -i '^passwordauthentication'` failed (exit code 1)" });
    expect(p.subtests[3]).toMatchObject({ name: '3. sshd refuses password logins', durationS: 0.23, error: expect.stringContaining('exit code 1') });
    expect(p.errorLines.at(-1)).toBe("RequestedAssertionFailed: command `sshd -T | grep -i '^passwordauthentication'` failed (exit code 1)");
    const s3 = p.steps.get(3)!;
    expect(machineLines(p, { from: s3.beginLine!, to: s3.endLine!, machine: 'laptop' })).toContain(
      'laptop # [   15.101010] sshd[812]: error: Bind to port 22 on 0.0.0.0 failed: Address already in use.',
    );
  });

  it('a flake check without markers: subtests only', () => {
    const p = parseDriverLog(log('flake-check-fail.log'));
    expect(p.steps.size).toBe(0);
    expect(p.subtests.map((s) => [s.name, s.durationS, s.error ?? null])).toEqual([
      ['server starts nginx', 21.4, null],
      ['client fetches the page', 0.51, 'command `curl --fail http://server/` failed (exit code 7)'],
    ]);
    expect(p.qemuPids).toEqual([5151, 5152]);
    expect(p.globalTimeoutS).toBe(3600);
  });

  it('the global timeout line and markers mixed into other output', () => {
    const p = parseDriverLog([
      'Test will time out and terminate in 10 seconds',
      '\u001b[1mnixcheck-step-begin 1 {"t": 5}\u001b[0m',
      'timeout reached; test terminating...',
      'garbage nixcheck-step-end x ok {}',
      'nixcheck-runtime {"controlId":"C-1","index":0,"exitCode":0,"stdout":"a\\nb"}',
    ]);
    expect(p.timeoutReached).toBe(true);
    expect(p.steps.get(1)).toMatchObject({ beginT: 5 });
    expect(p.runtime).toEqual([{ controlId: 'C-1', index: 0, exitCode: 0, stdout: 'a\nb' }]);
  });
});
