import { describe, expect, it } from 'vitest';
import { parseConfigLines, vmPreflight } from '../../../src/vm/preflight.js';
import { tempDir } from '../../helpers/paths.js';

type Exec = (file: string, args: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

const fakeExec = (over: { version?: string; configShow?: string | null; showConfig?: string | null }): Exec => async (_file, args) => {
  if (args[0] === '--version') return over.version === undefined ? { exitCode: 127, stdout: '', stderr: 'not found' } : { exitCode: 0, stdout: over.version, stderr: '' };
  if (args.includes('config')) return over.configShow ? { exitCode: 0, stdout: over.configShow, stderr: '' } : { exitCode: 1, stdout: '', stderr: "error: 'config' is not a recognised command" };
  return over.showConfig ? { exitCode: 0, stdout: over.showConfig, stderr: '' } : { exitCode: 1, stdout: '', stderr: 'error' };
};

describe('vmPreflight', () => {
  it('on this machine, for real: Nix version, system-features from `nix show-config`, /dev/kvm', async () => {
    const r = await vmPreflight();
    expect(r.nixVersion).toMatch(/^\d+\.\d+/);
    expect(Array.isArray(r.systemFeatures)).toBe(true);
    expect(r.kvm.path).toBe('/dev/kvm');
    expect(typeof r.freeDiskBytes).toBe('number');
    // ok exactly when no error-severity problem was found
    expect(r.ok).toBe(!r.problems.some((p) => p.severity === 'error'));
  });

  it('falls back from `nix config show` to `nix show-config` (Nix 2.8)', async () => {
    const r = await vmPreflight({
      exec: fakeExec({ version: 'nix (Nix) 2.8.0', configShow: null, showConfig: 'sandbox = true\nsystem-features = benchmark big-parallel kvm nixos-test\n' }),
      kvmPath: '/dev/null',
      diskPath: tempDir(),
      minFreeDiskBytes: 0,
    });
    expect(r).toMatchObject({ ok: true, nixVersion: '2.8.0', systemFeatures: ['benchmark', 'big-parallel', 'kvm', 'nixos-test'], problems: [] });
  });

  it('missing KVM is an error; missing system-features a warning with the fix', async () => {
    const r = await vmPreflight({
      exec: fakeExec({ version: 'nix (Nix) 2.24.9', configShow: 'system-features = benchmark big-parallel\n' }),
      kvmPath: '/nonexistent/kvm',
      diskPath: tempDir(),
      minFreeDiskBytes: 0,
    });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.id, p.severity])).toEqual([['system-features', 'warning'], ['kvm-missing', 'error']]);
    expect(r.problems[0]!.fix).toContain('"kvm" "nixos-test"');
    expect(r.problems[1]!.message).toContain('TCG');
  });

  it('no Nix, too little disk', async () => {
    const r = await vmPreflight({ exec: fakeExec({}), kvmPath: '/dev/null', diskPath: tempDir(), minFreeDiskBytes: Number.MAX_SAFE_INTEGER });
    expect(r.problems.map((p) => p.id)).toEqual(['nix-missing', 'disk-space']);
    expect(r.nixVersion).toBeNull();
  });

  it('parseConfigLines', () => {
    expect(parseConfigLines('a = 1\nsystem-features = kvm  nixos-test\nnot a line')).toEqual({ a: '1', 'system-features': 'kvm  nixos-test' });
  });
});
