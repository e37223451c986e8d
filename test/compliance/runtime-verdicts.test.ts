import { describe, expect, it } from 'vitest';
import type { CheckResult, ControlResult } from '../../src/compliance/evaluate-controls.js';
import { judgeRuntimeCheck, liveValueDiffers, mergeRuntimeRuns, type SystemRuns } from '../../src/compliance/runtime-verdicts.js';
import type { Control, RuntimeCheck } from '../../src/compliance/types.js';
import type { CheckRun } from '../../src/shell/check-command.js';

const at = { file: 'c.yaml', line: 1, column: 1 };
const KPTR = ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'];
const KPTR_PATH = 'boot.kernel.sysctl."kernel.kptr_restrict"';

function rt(command: string, expect: RuntimeCheck['expect'], more: Partial<RuntimeCheck> = {}): RuntimeCheck {
  return { command, expect, exitCodes: [0], unsafe: false, location: at, ...more };
}

function control(id: string, runtime: RuntimeCheck[], withStaticCheck = true): Control {
  return {
    id, title: id, severity: 'medium', impact: 0.5, rationale: 'r', remediation: 'm', fix: 'f', fixes: [{ nix: 'f' }], refs: {}, tags: [], appliesWhen: [],
    checks: withStaticCheck ? [{ kind: 'path', path: KPTR_PATH, attrPath: KPTR, matchers: { gte: 1 }, location: at }] : [],
    runtime, mode: withStaticCheck ? 'static-runtime' : 'runtime', location: at, builtin: true,
  };
}

function staticResult(c: Control, status: ControlResult['status'], check?: Partial<CheckResult>): ControlResult {
  return {
    controlId: c.id, title: c.id, host: 'laptop', status, severity: 'medium', impact: 0.5, refs: {}, applicability: [],
    checks: check ? [{ path: KPTR_PATH, location: at, status: 'pass', exists: true, valueSource: 'user', ...check }] : [],
    ...(status === 'manual' ? { message: 'runtime-only: run the VM checks to decide' } : {}),
  };
}

const ran = (stdout: string, exitCode = 0, missingCommands: string[] = []): CheckRun => ({ exitCode, stdout, missingCommands });
const system = (runs: Record<string, (CheckRun | { notRun: string } | undefined)[]>, target = 'ssh://root@h'): SystemRuns => ({
  host: 'laptop', target, runs: new Map(Object.entries(runs)), timeoutS: 60,
});

describe('judgeRuntimeCheck', () => {
  const check = rt('systemctl is-active auditd', { equals: 'active' }, { exitCodes: [0, 3] });
  it('judges the stdout of an answer, errs on anything else', () => {
    expect(judgeRuntimeCheck(check, ran('active\n'), 60)).toMatchObject({ status: 'pass', stdout: 'active' });
    expect(judgeRuntimeCheck(check, ran('inactive\n', 3), 60)).toMatchObject({ status: 'fail', exitCode: 3 });
    expect(judgeRuntimeCheck(check, { ...ran('', 1), stderr: 'Failed to connect to bus\n' }, 60)).toMatchObject({
      status: 'error',
      stderr: 'Failed to connect to bus',
      reason: 'exited 1, which is not an answer (0, 3): a command or pipeline stage failed: Failed to connect to bus',
    });
    // A matcher that an empty output satisfies still cannot pass without the tool.
    expect(judgeRuntimeCheck(rt('auditctl -s | awk x', { not: { equals: '2' } }), ran('', 127, ['auditctl']), 60)).toMatchObject({ status: 'error', reason: 'command not found: auditctl' });
  });
});

describe('liveValueDiffers', () => {
  it('compares numbers, booleans and words the way sysctl and sshd print them', () => {
    expect(liveValueDiffers(2, '2')).toBe(false);
    expect(liveValueDiffers('2', ' 2\n')).toBe(false);
    expect(liveValueDiffers(2, '1')).toBe(true);
    expect(liveValueDiffers(true, '1')).toBe(false);
    expect(liveValueDiffers(false, 'no')).toBe(false);
    expect(liveValueDiffers(false, 'yes')).toBe(true);
    expect(liveValueDiffers('prohibit-password', 'Prohibit-Password')).toBe(false);
    expect(liveValueDiffers('4096 87380', '4096\t87380')).toBe(false);
    expect(liveValueDiffers(2, '')).toBe(true);
    // Not comparable: no drift claimed.
    expect(liveValueDiffers(['a'], 'b')).toBe(false);
    expect(liveValueDiffers(null, 'b')).toBe(false);
  });
});

describe('mergeRuntimeRuns', () => {
  const kptr = control('kernel-kptr-restrict', [rt('sysctl -n kernel.kptr_restrict', { gte: 1 }, { printsValueOf: { path: KPTR_PATH, attrPath: KPTR } })]);

  it('a static pass and a live pass with another value is drift, pointing at both values', () => {
    const [r] = mergeRuntimeRuns([kptr], [staticResult(kptr, 'pass', { value: 2 })], [system({ [kptr.id]: [ran('1\n')] })]);
    expect(r).toMatchObject({
      status: 'drift',
      target: 'ssh://root@h',
      drift: [{ path: KPTR_PATH, evaluated: 2, live: '1', command: 'sysctl -n kernel.kptr_restrict' }],
      message: 'drift: the flake evaluates boot.kernel.sysctl."kernel.kptr_restrict" to 2, ssh://root@h has "1" (`sysctl -n kernel.kptr_restrict`)',
    });
  });

  it('no drift against a documented default, nor when the values agree; a live failure stays a failure with its drift', () => {
    const absent = mergeRuntimeRuns([kptr], [staticResult(kptr, 'pass', { exists: false, value: 1, valueSource: 'documented-default' })], [system({ [kptr.id]: [ran('2')] })]);
    expect(absent[0]).toMatchObject({ status: 'pass' });
    expect(absent[0]!.drift).toBeUndefined();
    expect(mergeRuntimeRuns([kptr], [staticResult(kptr, 'pass', { value: '2' })], [system({ [kptr.id]: [ran('2')] })])[0]).toMatchObject({ status: 'pass' });
    const failing = mergeRuntimeRuns([kptr], [staticResult(kptr, 'pass', { value: 2 })], [system({ [kptr.id]: [ran('0')] })])[0]!;
    expect(failing).toMatchObject({ status: 'fail', drift: [{ evaluated: 2, live: '0' }] });
    expect(failing.message).toMatch(/^runtime on ssh:\/\/root@h: `sysctl -n kernel.kptr_restrict` printed "0": expected >= 1; drift: /);
    // A static failure keeps its own reason first.
    const staticFail = mergeRuntimeRuns([kptr], [{ ...staticResult(kptr, 'fail', { value: 0, status: 'fail' }), message: 'kptr is 0' }], [system({ [kptr.id]: [ran('0')] })])[0]!;
    expect(staticFail).toMatchObject({ status: 'fail' });
    expect(staticFail.message).toMatch(/^kptr is 0; runtime on /);
  });

  it('a runtime-only control takes the runtime verdict; unsafe checks are not run; nothing ran keeps the status', () => {
    const apparmor = control('apparmor', [rt('aa-status --enabled && echo enabled', { equals: 'enabled' }, { exitCodes: [0, 1] }), rt('systemctl restart x', { equals: '' }, { unsafe: true })], false);
    const [r] = mergeRuntimeRuns([apparmor], [staticResult(apparmor, 'manual')], [system({ apparmor: [ran('enabled\n'), { notRun: 'marked unsafe' }] })]);
    expect(r).toMatchObject({ status: 'pass', message: '`systemctl restart x` not run on ssh://root@h: marked unsafe' });
    expect(r!.runtime).toHaveLength(1);
    const [down] = mergeRuntimeRuns([apparmor], [staticResult(apparmor, 'manual')], [{ ...system({}), problem: 'ssh: connect to host h port 22: Connection refused' }]);
    expect(down).toMatchObject({ status: 'manual', message: 'runtime-only: run the VM checks to decide; runtime checks did not run on ssh://root@h: ssh: connect to host h port 22: Connection refused' });
    const [missing] = mergeRuntimeRuns([apparmor], [staticResult(apparmor, 'manual')], [system({ apparmor: [] })]);
    expect(missing!.status).toBe('error');
    expect(missing!.runtime![0]).toMatchObject({ status: 'error', exitCode: null, reason: 'no result came back for this command' });
  });
});
