/**
 * Reading of the PCI / IOMMU / VFIO state that a GPU passthrough preflight needs.
 *
 * Everything is read relative to a root directory (default `/`), so a captured
 * tree (a copy of `/sys/bus/pci`, `/sys/devices`, `/proc/cmdline`, ...) can be
 * inspected exactly like the live machine. Symbolic links are resolved inside
 * that root: an absolute link target such as `/sys/devices/...` is re-rooted
 * under the root instead of escaping to the real `/`.
 *
 * Missing files are normal (captures are partial, kernels differ): every
 * attribute is reported as `null` / absent instead of throwing.
 *
 * Dependencies: node:fs and node:path only, so that this file can also be run
 * on a bare machine after a plain TypeScript-to-JavaScript compile.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';

/** One PCI function as seen under /sys/bus/pci/devices/<address>. */
export interface PciDevice {
  /** Full address, e.g. `0000:00:06.0`. */
  address: string;
  /** Hex ids, lower case, without `0x`: vendor `10de`, device `2330`. */
  vendor: string | null;
  device: string | null;
  /** 24-bit class code, lower case, without `0x`: `030200`. */
  class: string | null;
  subsystemVendor: string | null;
  subsystemDevice: string | null;
  /** Basename of the `driver` link (`nvidia`, `vfio-pci`), null when unbound. */
  driver: string | null;
  /** Basename of the `iommu_group` link, null when there is none. */
  iommuGroup: string | null;
  /** Content of `driver_override`; null when absent or `(null)`. */
  driverOverride: string | null;
}

/** A device node (or file) below the root, with its R/W accessibility. */
export interface NodeState {
  /** Path as seen on the inspected machine, e.g. `/dev/vfio/12`. */
  path: string;
  exists: boolean;
  /** fs.access(R_OK | W_OK) succeeded for the current process. */
  accessible: boolean;
}

/** A limit from /proc/self/limits: bytes, `unlimited`, or unknown. */
export type LimitValue = number | 'unlimited' | null;

export interface MemlockLimit {
  soft: LimitValue;
  hard: LimitValue;
}

export interface SysfsState {
  /** The root the state was read from (as given by the caller). */
  root: string;
  /** `/sys/bus/pci/devices` exists at all. */
  pciDevicesPresent: boolean;
  pciDevices: PciDevice[];
  /** `/sys/kernel/iommu_groups` exists (it does even when empty on many kernels). */
  iommuGroupsPresent: boolean;
  /** IOMMU group number -> member PCI addresses (sorted). */
  iommuGroups: Record<string, string[]>;
  /** Entries of `/sys/class/iommu` (e.g. `dmar0`, `ivhd0`), null when the directory is absent. */
  iommuClassEntries: string[] | null;
  /** `/proc/cmdline`, trimmed; null when absent. */
  cmdline: string | null;
  /** `/dev/vfio` directory exists. */
  vfioDirPresent: boolean;
  /** Entries of `/dev/vfio` (`vfio`, group numbers, `devices`...). */
  vfioNodes: NodeState[];
  kvm: NodeState;
  /** `/sys/module/vfio_pci` exists (module loaded or built in). */
  vfioPciModuleLoaded: boolean;
  /** `/sys/bus/pci/drivers/vfio-pci` exists (the driver is registered). */
  vfioPciDriverRegistered: boolean;
  /** "Max locked memory" from `/proc/self/limits`, null when that file is absent. */
  memlock: MemlockLimit | null;
  /** `<root>/dev` exists at all (a capture may leave it out: device nodes then read as absent). */
  devPresent: boolean;
  /** `<root>/sys/module` exists at all. */
  sysModulePresent: boolean;
}

export interface ReadSysfsOptions {
  /** Root directory of the (possibly captured) tree; default `/`. */
  root?: string;
}

const MAX_LINK_HOPS = 40;

function splitComponents(p: string): string[] {
  return p.split('/').filter((c) => c.length > 0);
}

/**
 * Resolve `logicalPath` (an absolute path on the inspected machine, like
 * `/sys/bus/pci/devices/0000:00:06.0/vendor`) to a real path below `root`,
 * following symbolic links inside the root. Components that do not exist are
 * kept as they are (the caller's read then fails with ENOENT).
 */
export async function resolveInRoot(root: string, logicalPath: string): Promise<string> {
  const rootAbs = path.resolve(root);
  let pending = splitComponents(logicalPath);
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const comp = pending.shift() as string;
    if (comp === '.') continue;
    if (comp === '..') {
      done.pop();
      continue;
    }
    done.push(comp);
    const real = path.join(rootAbs, ...done);
    let isLink = false;
    try {
      isLink = (await fs.lstat(real)).isSymbolicLink();
    } catch {
      // Missing component: keep the remaining components literally.
      continue;
    }
    if (!isLink) continue;
    if (++hops > MAX_LINK_HOPS) throw new Error(`too many symbolic links below ${logicalPath}`);
    const target = await fs.readlink(real);
    done.pop();
    if (target.startsWith('/')) done.length = 0;
    pending = [...splitComponents(target), ...pending];
  }
  return path.join(rootAbs, ...done);
}

async function readText(root: string, logicalPath: string): Promise<string | null> {
  try {
    return await fs.readFile(await resolveInRoot(root, logicalPath), 'utf8');
  } catch {
    return null;
  }
}

async function readAttr(root: string, logicalPath: string): Promise<string | null> {
  const text = await readText(root, logicalPath);
  if (text === null) return null;
  const trimmed = text.trim();
  return trimmed.length > 0 ? trimmed : null;
}

/** `0x10DE` -> `10de`. */
function hexId(value: string | null): string | null {
  if (value === null) return null;
  const m = /^(?:0x)?([0-9a-fA-F]+)$/.exec(value.trim());
  return m ? (m[1] as string).toLowerCase() : null;
}

async function linkBasename(root: string, logicalPath: string): Promise<string | null> {
  // Resolve the parent only: the link itself may dangle in a capture (its
  // target, e.g. /sys/bus/pci/drivers/nvidia, is often not captured).
  try {
    const parent = await resolveInRoot(root, path.posix.dirname(logicalPath));
    const target = await fs.readlink(path.join(parent, path.posix.basename(logicalPath)));
    const base = path.posix.basename(target.replace(/\/+$/, ''));
    return base.length > 0 ? base : null;
  } catch {
    return null;
  }
}

async function listDir(root: string, logicalPath: string): Promise<string[] | null> {
  try {
    const entries = await fs.readdir(await resolveInRoot(root, logicalPath));
    // sysfs, /dev/vfio and /sys/kernel/iommu_groups never hold dot-entries; a
    // captured tree kept in git may (placeholder files for empty directories).
    return entries.filter((e) => !e.startsWith('.')).sort();
  } catch {
    return null;
  }
}

async function exists(root: string, logicalPath: string): Promise<boolean> {
  try {
    await fs.stat(await resolveInRoot(root, logicalPath));
    return true;
  } catch {
    return false;
  }
}

async function nodeState(root: string, logicalPath: string): Promise<NodeState> {
  let real: string;
  try {
    real = await resolveInRoot(root, logicalPath);
  } catch {
    return { path: logicalPath, exists: false, accessible: false };
  }
  let present = false;
  try {
    await fs.stat(real);
    present = true;
  } catch {
    present = false;
  }
  let accessible = false;
  if (present) {
    try {
      await fs.access(real, fsConstants.R_OK | fsConstants.W_OK);
      accessible = true;
    } catch {
      accessible = false;
    }
  }
  return { path: logicalPath, exists: present, accessible };
}

function parseLimit(token: string | undefined): LimitValue {
  if (token === undefined) return null;
  if (token === 'unlimited') return 'unlimited';
  const n = Number(token);
  return Number.isFinite(n) ? n : null;
}

/** Parse the "Max locked memory" line of a /proc/<pid>/limits file. */
export function parseMemlock(limits: string): MemlockLimit | null {
  for (const line of limits.split('\n')) {
    const m = /^Max locked memory\s+(\S+)\s+(\S+)/.exec(line);
    if (m) return { soft: parseLimit(m[1]), hard: parseLimit(m[2]) };
  }
  return null;
}

async function readPciDevice(root: string, address: string): Promise<PciDevice> {
  const base = `/sys/bus/pci/devices/${address}`;
  const [vendor, device, cls, subVendor, subDevice, driver, group, override] = await Promise.all([
    readAttr(root, `${base}/vendor`),
    readAttr(root, `${base}/device`),
    readAttr(root, `${base}/class`),
    readAttr(root, `${base}/subsystem_vendor`),
    readAttr(root, `${base}/subsystem_device`),
    linkBasename(root, `${base}/driver`),
    linkBasename(root, `${base}/iommu_group`),
    readAttr(root, `${base}/driver_override`),
  ]);
  const clsHex = hexId(cls);
  return {
    address,
    vendor: hexId(vendor),
    device: hexId(device),
    class: clsHex === null ? null : clsHex.padStart(6, '0'),
    subsystemVendor: hexId(subVendor),
    subsystemDevice: hexId(subDevice),
    driver,
    iommuGroup: group,
    driverOverride: override === null || override === '(null)' ? null : override,
  };
}

/** Read the whole state. Never throws for missing or unreadable entries. */
export async function readSysfs(options: ReadSysfsOptions = {}): Promise<SysfsState> {
  const root = options.root ?? '/';

  const addresses = await listDir(root, '/sys/bus/pci/devices');
  const pciDevices = await Promise.all((addresses ?? []).map((a) => readPciDevice(root, a)));

  const groupNames = await listDir(root, '/sys/kernel/iommu_groups');
  const iommuGroups: Record<string, string[]> = {};
  for (const g of groupNames ?? []) {
    const members = await listDir(root, `/sys/kernel/iommu_groups/${g}/devices`);
    iommuGroups[g] = members ?? [];
  }
  // A device whose iommu_group link exists but whose group directory was not
  // captured still counts as a member of that group.
  for (const d of pciDevices) {
    if (d.iommuGroup === null) continue;
    const members = (iommuGroups[d.iommuGroup] ??= []);
    if (!members.includes(d.address)) {
      members.push(d.address);
      members.sort();
    }
  }

  const vfioEntries = await listDir(root, '/dev/vfio');
  const vfioNodes = await Promise.all(
    (vfioEntries ?? []).map((e) => nodeState(root, `/dev/vfio/${e}`)),
  );

  const limits = await readText(root, '/proc/self/limits');
  const cmdline = await readText(root, '/proc/cmdline');

  return {
    root,
    pciDevicesPresent: addresses !== null,
    pciDevices: pciDevices.sort((a, b) => a.address.localeCompare(b.address)),
    iommuGroupsPresent: groupNames !== null,
    iommuGroups,
    iommuClassEntries: await listDir(root, '/sys/class/iommu'),
    cmdline: cmdline === null ? null : cmdline.trim(),
    vfioDirPresent: vfioEntries !== null,
    vfioNodes,
    kvm: await nodeState(root, '/dev/kvm'),
    vfioPciModuleLoaded: await exists(root, '/sys/module/vfio_pci'),
    vfioPciDriverRegistered: await exists(root, '/sys/bus/pci/drivers/vfio-pci'),
    memlock: limits === null ? null : parseMemlock(limits),
    devPresent: await exists(root, '/dev'),
    sysModulePresent: await exists(root, '/sys/module'),
  };
}
