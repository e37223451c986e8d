import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/paths.js';

const nixcheck = (...args: string[]) => execa('npx', ['tsx', 'src/cli/bin.ts', 'gpu', ...args], { cwd: REPO, reject: false });

describe('nixcheck gpu', () => {
  it('preflight on the captured H100 VM guest: not ready, exit 1, with the real reasons', async () => {
    const r = await nixcheck('preflight', '--sysfs-root', 'fixtures/gpu/h100-live', '--json');
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('not-ready');
    expect(report.gpus).toMatchObject([{ address: '0000:00:06.0', driver: 'nvidia' }]);
    expect(report.reasons.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(['no-iommu', 'claimed-by-host-driver', 'vfio-pci-not-loaded']));
  });

  it('preflight on the synthetic bare-metal tree: ready, exit 0', async () => {
    const r = await nixcheck('preflight', '--sysfs-root', 'fixtures/gpu/synthetic-ready');
    expect(r.stdout).toMatch(/READY/);
    expect(r.exitCode).toBe(0);
  });

  it('check reads the evaluated host config: two vfio-pci.ids parameters on k3s-node are an error', async () => {
    const r = await nixcheck('check', '--host', 'k3s-node', '--device-id', '10de:1eb8', '--json');
    expect(r.exitCode).toBe(1);
    const { findings } = JSON.parse(r.stdout);
    expect(findings.map((f: { id: string }) => f.id)).toContain('multiple-vfio-pci-ids');
  });
});
