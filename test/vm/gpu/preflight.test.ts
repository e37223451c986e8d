import { describe, expect, it } from 'vitest';
import { buildGpuPreflightReport, runGpuPreflight } from '../../../src/vm/gpu/index.js';
import { evaluatePreflight, splitCmdline, vfioPciIdsParams } from '../../../src/vm/gpu/preflight.js';
import type { PciDevice } from '../../../src/vm/gpu/sysfs.js';
import { emptyState, fixture } from './helpers.js';

function pci(address: string, vendor: string, device: string, cls: string, driver: string | null, group: string | null): PciDevice {
  return {
    address, vendor, device, class: cls, subsystemVendor: null, subsystemDevice: null,
    driver, iommuGroup: group, driverOverride: null,
  };
}

describe('preflight on the real H100 VM-guest capture', () => {
  it('finds one NVIDIA GPU 10de:2330 at 0000:00:06.0 bound to nvidia, without IOMMU', async () => {
    const r = await runGpuPreflight({ sysfsRoot: fixture('h100-vm-guest') });
    expect(r.gpus).toHaveLength(1);
    const g = r.gpus[0]!;
    expect(g.address).toBe('0000:00:06.0');
    expect(g.id).toBe('10de:2330');
    expect(g.vendorName).toBe('NVIDIA');
    expect(g.class).toBe('030200');
    expect(g.className).toBe('3D controller');
    expect(g.driver).toBe('nvidia');
    expect(g.binding).toBe('claimed-by-host-driver');
    expect(g.iommuGroup).toBeNull();
    expect(g.isolatable).toBeNull();
    expect(r.iommu).toEqual({
      enabled: false,
      groupCount: 0,
      classEntries: [],
      cmdline: { intelIommuOn: false, amdIommuOn: false, iommuPt: false },
    });
    expect(r.host.vmGuest).toBe(true);
    expect(r.host.virtioDeviceCount).toBe(5);
    expect(r.host.platform).toBe('intel');
  });

  it('is not-ready: no-iommu (saying it is a VM guest), claimed-by-host-driver, no vfio', async () => {
    const r = await runGpuPreflight({ sysfsRoot: fixture('h100-vm-guest') });
    expect(r.verdict).toBe('not-ready');
    expect(r.reasons.map((x) => [x.id, x.severity])).toEqual([
      ['no-iommu', 'error'],
      ['claimed-by-host-driver', 'error'],
      ['vfio-pci-not-loaded', 'error'],
      ['no-dev-vfio', 'error'],
      ['kvm-not-captured', 'warning'],
    ]);
    const noIommu = r.reasons[0]!;
    expect(noIommu.message).toContain('looks like a VM guest itself (5 virtio devices, vendor 1af4)');
    expect(noIommu.fix).toContain(
      'On the bare-metal NixOS host: `boot.kernelParams = [ "intel_iommu=on" "iommu=pt" ];` and enable VT-d / AMD-Vi in the firmware setup, then reboot.',
    );
    const claimed = r.reasons[1]!;
    expect(claimed.device).toBe('0000:00:06.0');
    expect(claimed.message).toBe('NVIDIA 10de:2330 at 0000:00:06.0 is bound to the host driver nvidia; QEMU needs it bound to vfio-pci.');
    expect(claimed.fix).toEqual([
      'Let vfio-pci claim the card at boot: `boot.kernelParams = [ "intel_iommu=on" "iommu=pt" "vfio-pci.ids=10de:2330" ];`',
      'Load vfio-pci early, before nvidia: `boot.initrd.kernelModules = [ "vfio_pci" "vfio" "vfio_iommu_type1" ];`',
      '`boot.blacklistedKernelModules = [ "nouveau" ];`',
      'Remove "nvidia" from `services.xserver.videoDrivers` and drop `hardware.nvidia.*` on this host, or at least add `boot.extraModprobeConfig = "softdep nvidia pre: vfio-pci";`.',
      'Without a reboot (until the next one): `echo 0000:00:06.0 > /sys/bus/pci/devices/0000:00:06.0/driver/unbind; echo vfio-pci > /sys/bus/pci/devices/0000:00:06.0/driver_override; echo 0000:00:06.0 > /sys/bus/pci/drivers_probe`.',
    ]);
  });

  it('the fresh capture from the real run gives the same verdict, with /dev/kvm present', async () => {
    const r = await runGpuPreflight({ sysfsRoot: fixture('h100-live') });
    expect(r.verdict).toBe('not-ready');
    expect(r.reasons.map((x) => x.id)).toEqual(['no-iommu', 'claimed-by-host-driver', 'vfio-pci-not-loaded', 'no-dev-vfio']);
    expect(r.gpus.map((g) => [g.address, g.id, g.driver])).toEqual([['0000:00:06.0', '10de:2330', 'nvidia']]);
    expect(r.host.kvm.exists).toBe(true);
  });
});

describe('preflight on the synthetic trees', () => {
  it('synthetic-ready is ready with no reasons at all', async () => {
    const r = await runGpuPreflight({ sysfsRoot: fixture('synthetic-ready') });
    expect(r.reasons).toEqual([]);
    expect(r.verdict).toBe('ready');
    expect(r.gpus).toHaveLength(1);
    const g = r.gpus[0]!;
    expect([g.address, g.id, g.driver, g.binding, g.iommuGroup, g.isolatable]).toEqual([
      '0000:01:00.0', '10de:2204', 'vfio-pci', 'vfio-ready', '1', true,
    ]);
    expect(g.groupMembers.map((m) => [m.address, m.status, m.companion])).toEqual([
      ['0000:00:01.0', 'bridge', false],
      ['0000:01:00.1', 'vfio-pci', true],
    ]);
    expect(g.vfioGroupNode).toEqual({ path: '/dev/vfio/1', exists: true, accessible: true });
    expect(r.iommu.cmdline).toEqual({ intelIommuOn: true, amdIommuOn: false, iommuPt: true });
    expect(r.host.vfioPciIdsParams).toEqual(['10de:2204,10de:1aef']);
    expect(r.host.vmGuest).toBe(false);
  });

  it('synthetic-shared-group is not-ready because of the SATA controller on ahci', async () => {
    const r = await runGpuPreflight({ sysfsRoot: fixture('synthetic-shared-group') });
    expect(r.verdict).toBe('not-ready');
    expect(r.reasons.map((x) => x.id)).toEqual(['group-not-isolated']);
    expect(r.reasons[0]!.message).toBe(
      'IOMMU group 1 of NVIDIA 10de:2204 at 0000:01:00.0 also contains 0000:02:00.0 (SATA controller 1b21:0612, bound to ahci); every other member must be a bridge, unbound, or bound to vfio-pci.',
    );
    const g = r.gpus[0]!;
    expect(g.isolatable).toBe(false);
    expect(g.groupMembers.filter((m) => !m.ok).map((m) => [m.address, m.id, m.status])).toEqual([
      ['0000:02:00.0', '1b21:0612', 'bound-to:ahci'],
    ]);
  });
});

describe('evaluatePreflight (pure)', () => {
  const gpuGroup = {
    pciDevices: [
      pci('0000:01:00.0', '10de', '2204', '030000', 'vfio-pci', '1'),
      pci('0000:01:00.1', '10de', '1aef', '040300', 'snd_hda_intel', '1'),
    ],
    iommuGroups: { '1': ['0000:01:00.0', '0000:01:00.1'] },
    vfioNodes: [
      { path: '/dev/vfio/vfio', exists: true, accessible: true },
      { path: '/dev/vfio/1', exists: true, accessible: true },
    ],
  };

  it('the GPU audio function bound to snd_hda_intel blocks the group; the fix adds its id to vfio-pci.ids', () => {
    const r = evaluatePreflight(emptyState({ ...gpuGroup, cmdline: 'intel_iommu=on iommu=pt vfio-pci.ids=10de:2204' }));
    expect(r.verdict).toBe('not-ready');
    expect(r.reasons.map((x) => x.id)).toEqual(['group-not-isolated']);
    expect(r.reasons[0]!.fix[0]).toBe(
      'Give the card\'s other functions to vfio-pci too (0000:01:00.1 10de:1aef bound to snd_hda_intel): `boot.kernelParams = [ "intel_iommu=on" "iommu=pt" "vfio-pci.ids=10de:2204,10de:1aef" ];`',
    );
  });

  it('several vfio-pci.ids= parameters are a defect; the fix joins them', () => {
    const pciDevices = gpuGroup.pciDevices.map((d) => ({ ...d, driver: 'vfio-pci' }));
    const r = evaluatePreflight(
      emptyState({ ...gpuGroup, pciDevices, cmdline: 'intel_iommu=on iommu=pt vfio-pci.ids=10de:2204 vfio_pci.ids=10de:1aef' }),
    );
    expect(r.verdict).toBe('not-ready');
    expect(r.reasons.map((x) => x.id)).toEqual(['multiple-vfio-pci-ids']);
    expect(r.reasons[0]!.fix[0]).toBe('Use one parameter with the ids joined by commas: `vfio-pci.ids=10de:2204,10de:1aef`.');
  });

  it('an unaccessible /dev/vfio/<group>, missing /dev/kvm and low memlock are reported', () => {
    const pciDevices = gpuGroup.pciDevices.map((d) => ({ ...d, driver: 'vfio-pci' }));
    const r = evaluatePreflight(
      emptyState({
        ...gpuGroup,
        pciDevices,
        vfioNodes: [
          { path: '/dev/vfio/vfio', exists: true, accessible: true },
          { path: '/dev/vfio/1', exists: true, accessible: false },
        ],
        kvm: { path: '/dev/kvm', exists: false, accessible: false },
        memlock: { soft: 65536, hard: 65536 },
      }),
      { guestMemoryMiB: 4096 },
    );
    expect(r.reasons.map((x) => [x.id, x.severity])).toEqual([
      ['vfio-group-not-accessible', 'error'],
      ['no-kvm', 'error'],
      ['memlock-too-low', 'warning'],
    ]);
  });

  it('AMD GPU on amdgpu with IOMMU from defaults: claimed by host driver, amd_iommu suggested', () => {
    const r = evaluatePreflight(
      emptyState({
        pciDevices: [
          pci('0000:00:00.0', '1022', '14d8', '060000', null, '0'),
          pci('0000:03:00.0', '1002', '744c', '030000', 'amdgpu', '14'),
        ],
        iommuGroups: { '0': ['0000:00:00.0'], '14': ['0000:03:00.0'] },
        cmdline: 'quiet',
      }),
    );
    expect(r.gpus.map((g) => [g.vendorName, g.binding])).toEqual([['AMD', 'claimed-by-host-driver']]);
    expect(r.reasons.map((x) => x.id)).toEqual([
      'iommu-not-on-cmdline', 'iommu-pt-missing', 'claimed-by-host-driver', 'no-vfio-group-node',
    ]);
    expect(r.reasons[2]!.fix).toContain('`boot.blacklistedKernelModules = [ "amdgpu" "radeon" ];`');
    expect(r.reasons[2]!.fix[0]).toContain('"amd_iommu=on" "iommu=pt" "vfio-pci.ids=1002:744c"');
  });

  it('no GPU at all is not ready', () => {
    const r = evaluatePreflight(emptyState());
    expect(r.verdict).toBe('not-ready');
    expect(r.reasons.map((x) => x.id)).toEqual(['no-gpu', 'no-iommu']);
  });

  it('buildGpuPreflightReport orders errors before warnings, keeping the order within a severity', () => {
    const state = emptyState({
      pciDevices: [pci('0000:01:00.0', '10de', '2330', '030200', 'nvidia', '3')],
      iommuGroups: { '3': ['0000:01:00.0'] },
      cmdline: 'intel_iommu=on',
      memlock: { soft: 1, hard: 1 },
    });
    expect(evaluatePreflight(state).reasons.map((x) => x.id)).toEqual([
      'iommu-pt-missing', 'claimed-by-host-driver', 'no-vfio-group-node', 'memlock-too-low',
    ]);
    const rep = buildGpuPreflightReport(state);
    expect(rep.reasons.map((x) => x.id)).toEqual([
      'claimed-by-host-driver', 'no-vfio-group-node', 'iommu-pt-missing', 'memlock-too-low',
    ]);
    expect(rep.kind).toBe('gpu-preflight');
    expect(rep.schemaVersion).toBe(1);
    expect(rep.sysfsRoot).toBe('/synthetic');
  });
});

describe('kernel command line parsing', () => {
  it('stops at -- and keeps quoted values', () => {
    expect(splitCmdline('a=1 b="x y" -- --init-arg vfio-pci.ids=1:2')).toEqual(['a=1', 'b=x y']);
    expect(vfioPciIdsParams(['vfio-pci.ids=10de:2204', 'quiet', 'vfio_pci.ids=10de:1aef'])).toEqual(['10de:2204', '10de:1aef']);
  });
});
