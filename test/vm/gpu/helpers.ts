import { fileURLToPath } from 'node:url';
import type { SysfsState } from '../../../src/vm/gpu/sysfs.js';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/gpu/', import.meta.url));

export function fixture(name: string): string {
  return FIXTURES + name;
}

/** A minimal state for pure preflight tests; override what a test needs. */
export function emptyState(over: Partial<SysfsState> = {}): SysfsState {
  return {
    root: '/synthetic',
    pciDevicesPresent: true,
    pciDevices: [],
    iommuGroupsPresent: true,
    iommuGroups: {},
    iommuClassEntries: ['dmar0'],
    cmdline: 'intel_iommu=on iommu=pt',
    vfioDirPresent: true,
    vfioNodes: [{ path: '/dev/vfio/vfio', exists: true, accessible: true }],
    kvm: { path: '/dev/kvm', exists: true, accessible: true },
    vfioPciModuleLoaded: true,
    vfioPciDriverRegistered: true,
    memlock: { soft: 'unlimited', hard: 'unlimited' },
    devPresent: true,
    sysModulePresent: true,
    ...over,
  };
}
