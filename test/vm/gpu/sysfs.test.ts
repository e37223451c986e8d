import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMemlock, readSysfs, resolveInRoot } from '../../../src/vm/gpu/sysfs.js';
import { fixture } from './helpers.js';

const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

describe('readSysfs on the real H100 capture', () => {
  it('reads the 7 PCI devices with ids, classes and drivers', async () => {
    const s = await readSysfs({ root: fixture('h100-vm-guest') });
    expect(s.pciDevicesPresent).toBe(true);
    expect(s.pciDevices.map((d) => d.address)).toEqual([
      '0000:00:00.0', '0000:00:01.0', '0000:00:02.0', '0000:00:03.0', '0000:00:04.0', '0000:00:05.0', '0000:00:06.0',
    ]);
    expect(s.pciDevices[6]).toEqual({
      address: '0000:00:06.0',
      vendor: '10de',
      device: '2330',
      class: '030200',
      subsystemVendor: '10de',
      subsystemDevice: '16c1',
      driver: 'nvidia',
      iommuGroup: null,
      driverOverride: null,
    });
    expect(s.pciDevices[0]).toMatchObject({ vendor: '8086', device: '0d57', class: '060000', driver: null });
    expect(s.pciDevices.filter((d) => d.driver === 'virtio-pci')).toHaveLength(5);
  });

  it('reports what is missing from the capture as absent', async () => {
    const s = await readSysfs({ root: fixture('h100-vm-guest') });
    expect(s.iommuGroupsPresent).toBe(false);
    expect(s.iommuGroups).toEqual({});
    expect(s.iommuClassEntries).toBeNull();
    expect(s.vfioDirPresent).toBe(false);
    expect(s.vfioNodes).toEqual([]);
    expect(s.kvm).toEqual({ path: '/dev/kvm', exists: false, accessible: false });
    expect(s.vfioPciModuleLoaded).toBe(false);
    expect(s.memlock).toBeNull();
    expect(s.devPresent).toBe(false);
    expect(s.cmdline?.startsWith('mitigations=auto,no_guest_host,no_guest_guest console=ttyS0')).toBe(true);
  });

  it('reads the fresh capture: empty IOMMU dirs, /dev/kvm, modules, unlimited memlock', async () => {
    const s = await readSysfs({ root: fixture('h100-live') });
    expect(s.iommuGroupsPresent).toBe(true);
    expect(s.iommuGroups).toEqual({});
    expect(s.iommuClassEntries).toEqual([]);
    expect(s.kvm).toEqual({ path: '/dev/kvm', exists: true, accessible: true });
    expect(s.vfioPciModuleLoaded).toBe(false);
    expect(s.sysModulePresent).toBe(true);
    expect(s.memlock).toEqual({ soft: 'unlimited', hard: 'unlimited' });
    expect(s.pciDevices.find((d) => d.address === '0000:00:06.0')?.driver).toBe('nvidia');
  });

  it('reads groups, group links and /dev/vfio of the synthetic host', async () => {
    const s = await readSysfs({ root: fixture('synthetic-ready') });
    expect(s.iommuGroups).toEqual({
      '0': ['0000:00:00.0'],
      '1': ['0000:00:01.0', '0000:01:00.0', '0000:01:00.1'],
      '5': ['0000:00:17.0'],
      '7': ['0000:00:1f.6'],
    });
    expect(s.pciDevices.find((d) => d.address === '0000:01:00.1')).toMatchObject({
      vendor: '10de', device: '1aef', class: '040300', driver: 'vfio-pci', iommuGroup: '1',
    });
    expect(s.iommuClassEntries).toEqual(['dmar0']);
    expect(s.vfioNodes.map((n) => n.path)).toEqual(['/dev/vfio/1', '/dev/vfio/vfio']);
    expect(s.vfioPciModuleLoaded).toBe(true);
    expect(s.cmdline).toBe(
      'BOOT_IMAGE=/boot/bzImage init=/nix/var/nix/profiles/system/init intel_iommu=on iommu=pt vfio-pci.ids=10de:2204,10de:1aef loglevel=4',
    );
  });

  it('never throws for a root that does not exist', async () => {
    const s = await readSysfs({ root: path.join(tmpdir(), 'nixcheck-gpu-does-not-exist-xyz') });
    expect(s.pciDevicesPresent).toBe(false);
    expect(s.pciDevices).toEqual([]);
    expect(s.cmdline).toBeNull();
    expect(s.kvm.exists).toBe(false);
  });

  it('resolves absolute link targets inside the root, not the real /', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'nixcheck-gpu-'));
    temps.push(root);
    await mkdir(path.join(root, 'sys/devices/pci0000:00/0000:00:02.0'), { recursive: true });
    await mkdir(path.join(root, 'sys/bus/pci/devices'), { recursive: true });
    await writeFile(path.join(root, 'sys/devices/pci0000:00/0000:00:02.0/vendor'), '0x1002\n');
    await writeFile(path.join(root, 'sys/devices/pci0000:00/0000:00:02.0/class'), '0x030000\n');
    await symlink('/sys/devices/pci0000:00/0000:00:02.0', path.join(root, 'sys/bus/pci/devices/0000:00:02.0'));
    expect(await resolveInRoot(root, '/sys/bus/pci/devices/0000:00:02.0/vendor')).toBe(
      path.join(root, 'sys/devices/pci0000:00/0000:00:02.0/vendor'),
    );
    const s = await readSysfs({ root });
    expect(s.pciDevices).toHaveLength(1);
    expect(s.pciDevices[0]).toMatchObject({ vendor: '1002', device: null, class: '030000', driver: null });
  });

  it('parses the memlock line of /proc/self/limits', () => {
    expect(parseMemlock('Limit  Soft Limit  Hard Limit  Units\nMax locked memory         8388608              8388608              bytes\n')).toEqual({
      soft: 8388608,
      hard: 8388608,
    });
    expect(parseMemlock('Max locked memory         unlimited            unlimited            bytes')).toEqual({
      soft: 'unlimited',
      hard: 'unlimited',
    });
    expect(parseMemlock('Max open files 1024 1024 files')).toBeNull();
  });
});
