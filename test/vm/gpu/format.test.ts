import { describe, expect, it } from 'vitest';
import { formatGpuPreflight, runGpuPreflight } from '../../../src/vm/gpu/index.js';
import { fixture } from './helpers.js';

describe('formatGpuPreflight', () => {
  it('prints the GPU table, the verdict and numbered fix steps', async () => {
    const r = await runGpuPreflight({ sysfsRoot: fixture('h100-live') });
    const text = formatGpuPreflight({ ...r, sysfsRoot: 'h100-live' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('GPU passthrough preflight (root: h100-live)');
    expect(lines.slice(2, 6)).toEqual([
      'GPUs:',
      '  ADDRESS       ID         VENDOR  CLASS          DRIVER  IOMMU GROUP  ISOLATABLE',
      '  ------------  ---------  ------  -------------  ------  -----------  ----------',
      '  0000:00:06.0  10de:2330  NVIDIA  3D controller  nvidia  (none)       -',
    ]);
    expect(lines).toContain('Verdict: NOT READY for GPU passthrough');
    expect(lines).toContain(
      '2. [error] claimed-by-host-driver: NVIDIA 10de:2330 at 0000:00:06.0 is bound to the host driver nvidia; QEMU needs it bound to vfio-pci.',
    );
    expect(lines).toContain(
      '   2.1 Let vfio-pci claim the card at boot: `boot.kernelParams = [ "intel_iommu=on" "iommu=pt" "vfio-pci.ids=10de:2330" ];`',
    );
    expect(lines).toContain('   3.1 `boot.initrd.kernelModules = [ "vfio_pci" "vfio" "vfio_iommu_type1" ];`');
    expect(lines).toContain('  this machine looks like a VM guest (5 virtio devices)');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('prints READY and the group members for the synthetic host', async () => {
    const text = formatGpuPreflight(await runGpuPreflight({ sysfsRoot: fixture('synthetic-ready') }));
    expect(text).toContain('Verdict: READY for GPU passthrough\n');
    expect(text).toContain('    0000:01:00.1 10de:1aef Audio device, driver vfio-pci, same card: ok (vfio-pci)\n');
    expect(text).not.toContain('Reasons:');
  });

  it('the JSON report has the stable top-level shape', async () => {
    const r = await runGpuPreflight({ sysfsRoot: fixture('synthetic-shared-group') });
    const json = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['schemaVersion', 'kind', 'sysfsRoot', 'verdict', 'gpus', 'iommu', 'host', 'reasons']);
    expect(json['verdict']).toBe('not-ready');
    expect(Object.keys((json['reasons'] as object[])[0] as object)).toEqual(['id', 'severity', 'device', 'message', 'fix']);
  });
});
