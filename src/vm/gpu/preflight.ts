/**
 * Pure evaluation of a read sysfs state (see sysfs.ts) into a GPU passthrough
 * preflight report. No I/O here: the same state always gives the same report.
 */
import type { NodeState, PciDevice, SysfsState } from './sysfs.js';

export type Severity = 'error' | 'warning' | 'info';

/** One reason the host is (or may be) not ready, with the exact steps to fix it. */
export interface PreflightReason {
  /** Stable identifier, e.g. `no-iommu`, `claimed-by-host-driver`. */
  id: string;
  /** `error` makes the verdict `not-ready`; warnings and infos do not. */
  severity: Severity;
  message: string;
  /** PCI address of the GPU this reason is about, when it is about one. */
  device?: string;
  /** Ordered fix steps; NixOS snippets are given verbatim. */
  fix: string[];
}

export interface GroupMember {
  address: string;
  /** `vendor:device`, e.g. `10de:22bb`; null when unreadable. */
  id: string | null;
  class: string | null;
  className: string;
  driver: string | null;
  /** Another function of the same slot as the GPU (its audio / USB-C function). */
  companion: boolean;
  /** True when this member does not prevent handing the group to vfio. */
  ok: boolean;
  /** Why it is ok or not: `bridge`, `no-driver`, `vfio-pci`, `bound-to:<driver>`. */
  status: string;
}

export type GpuBinding = 'vfio-ready' | 'claimed-by-host-driver' | 'other-driver' | 'unbound';

export interface GpuEntry {
  address: string;
  vendor: string | null;
  device: string | null;
  /** `10de:2330` */
  id: string | null;
  vendorName: string;
  class: string | null;
  className: string;
  driver: string | null;
  driverOverride: string | null;
  binding: GpuBinding;
  iommuGroup: string | null;
  /** The other members of its IOMMU group (the GPU itself excluded). */
  groupMembers: GroupMember[];
  /** null when there is no IOMMU group to judge. */
  isolatable: boolean | null;
  /** `/dev/vfio/<group>` state; null when the GPU has no group. */
  vfioGroupNode: NodeState | null;
}

export interface IommuState {
  enabled: boolean;
  groupCount: number;
  /** Entries of /sys/class/iommu; empty when absent. */
  classEntries: string[];
  cmdline: {
    intelIommuOn: boolean;
    amdIommuOn: boolean;
    iommuPt: boolean;
  };
}

export interface HostState {
  /** Inferred: virtio (1af4) PCI devices present. */
  vmGuest: boolean;
  virtioDeviceCount: number;
  /** `intel` / `amd` from the host bridge vendor, null when unknown. */
  platform: 'intel' | 'amd' | null;
  kvm: NodeState;
  vfioPciModuleLoaded: boolean;
  vfioContainer: NodeState;
  /** Every `vfio-pci.ids=` value on the kernel command line, in order. */
  vfioPciIdsParams: string[];
  cmdline: string | null;
  memlock: { soft: number | 'unlimited' | null; hard: number | 'unlimited' | null } | null;
  pciDeviceCount: number;
}

export interface PreflightResult {
  verdict: 'ready' | 'not-ready';
  gpus: GpuEntry[];
  iommu: IommuState;
  host: HostState;
  reasons: PreflightReason[];
}

export interface PreflightOptions {
  /** Guest RAM the passthrough VM will get, for the memlock check (default 1024 MiB). */
  guestMemoryMiB?: number;
}

export const VENDOR_NAMES: Record<string, string> = {
  '10de': 'NVIDIA',
  '1002': 'AMD',
  '8086': 'Intel',
};

/** Drivers that mean a host graphics / compute stack owns the GPU. */
export const HOST_GPU_DRIVERS = ['nvidia', 'nouveau', 'amdgpu', 'radeon', 'i915', 'xe'];

const CLASS_NAMES: Record<string, string> = {
  '0300': 'VGA compatible controller',
  '0302': '3D controller',
  '0380': 'Display controller',
  '0403': 'Audio device',
  '0600': 'Host bridge',
  '0601': 'ISA bridge',
  '0604': 'PCI bridge',
  '0106': 'SATA controller',
  '0108': 'Non-Volatile memory controller',
  '0200': 'Ethernet controller',
  '0180': 'Mass storage controller',
  '0c03': 'USB controller',
  '0c80': 'Serial bus controller',
  'ffff': 'Unassigned class',
};

export function className(cls: string | null): string {
  if (cls === null) return 'unknown';
  return CLASS_NAMES[cls.slice(0, 4)] ?? `class 0x${cls}`;
}

export function isGpuClass(cls: string | null): boolean {
  if (cls === null) return false;
  const sub = cls.slice(0, 4);
  return sub === '0300' || sub === '0302' || sub === '0380';
}

export function isBridgeClass(cls: string | null): boolean {
  if (cls === null) return false;
  const sub = cls.slice(0, 4);
  return sub === '0604' || sub === '0600';
}

export function pciId(d: Pick<PciDevice, 'vendor' | 'device'>): string | null {
  return d.vendor !== null && d.device !== null ? `${d.vendor}:${d.device}` : null;
}

/** `0000:01:00.1` -> `0000:01:00` (the slot, shared by all functions of one card). */
function slotOf(address: string): string {
  const dot = address.lastIndexOf('.');
  return dot >= 0 ? address.slice(0, dot) : address;
}

/**
 * Split a kernel command line into kernel parameters, keeping double-quoted
 * values together. A bare `--` ends the kernel parameters (the rest goes to init).
 */
export function splitCmdline(cmdline: string): string[] {
  const all = splitWords(cmdline);
  const end = all.indexOf('--');
  return end >= 0 ? all.slice(0, end) : all;
}

function splitWords(cmdline: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let any = false;
  for (const ch of cmdline) {
    if (ch === '"') {
      quoted = !quoted;
      any = true;
      continue;
    }
    if (!quoted && /\s/.test(ch)) {
      if (any) out.push(cur);
      cur = '';
      any = false;
      continue;
    }
    cur += ch;
    any = true;
  }
  if (any) out.push(cur);
  return out;
}

/** The kernel treats `-` and `_` in parameter names alike. */
function paramName(token: string): string {
  const eq = token.indexOf('=');
  return (eq >= 0 ? token.slice(0, eq) : token).replace(/-/g, '_');
}

function paramValue(token: string): string | null {
  const eq = token.indexOf('=');
  return eq >= 0 ? token.slice(eq + 1) : null;
}

/** All values of `vfio-pci.ids=` / `vfio_pci.ids=` in a list of kernel parameters. */
export function vfioPciIdsParams(params: string[]): string[] {
  return params
    .filter((t) => paramName(t) === 'vfio_pci.ids')
    .map((t) => paramValue(t) ?? '');
}

/** Split `10de:2204,10de:1aef` into normalised ids (lower case, no subsystem parts). */
export function splitIds(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0)
    .map((s) => s.split(':').slice(0, 2).join(':'));
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function nixList(items: string[]): string {
  return `[ ${items.map((s) => JSON.stringify(s)).join(' ')} ]`;
}

function iommuParams(platform: 'intel' | 'amd' | null): string[] {
  if (platform === 'amd') return ['amd_iommu=on', 'iommu=pt'];
  return ['intel_iommu=on', 'iommu=pt'];
}

function memberStatus(d: PciDevice): { ok: boolean; status: string } {
  if (d.driver === 'vfio-pci') return { ok: true, status: 'vfio-pci' };
  if (isBridgeClass(d.class)) return { ok: true, status: 'bridge' };
  if (d.driver === null) return { ok: true, status: 'no-driver' };
  return { ok: false, status: `bound-to:${d.driver}` };
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}

export function evaluatePreflight(state: SysfsState, options: PreflightOptions = {}): PreflightResult {
  const guestMemoryMiB = options.guestMemoryMiB ?? 1024;
  const byAddress = new Map(state.pciDevices.map((d) => [d.address, d]));
  const params = state.cmdline === null ? [] : splitCmdline(state.cmdline);
  const values = (name: string) =>
    params.filter((t) => paramName(t) === name).map((t) => (paramValue(t) ?? '').toLowerCase());

  const intelIommuOn = values('intel_iommu').some((v) => v.split(',').includes('on'));
  const amdIommuOn = values('amd_iommu').some((v) => v.split(',').includes('on'));
  const iommuPt = values('iommu').includes('pt') || values('iommu.passthrough').includes('1');

  const groupCount = Object.keys(state.iommuGroups).length;
  const classEntries = state.iommuClassEntries ?? [];
  const iommu: IommuState = {
    enabled: groupCount > 0,
    groupCount,
    classEntries,
    cmdline: { intelIommuOn, amdIommuOn, iommuPt },
  };

  const virtio = state.pciDevices.filter((d) => d.vendor === '1af4');
  const hostBridge =
    byAddress.get('0000:00:00.0') ?? state.pciDevices.find((d) => d.class?.startsWith('0600'));
  const platform =
    hostBridge?.vendor === '8086' ? 'intel' : hostBridge?.vendor === '1022' ? 'amd' : null;
  const vfioContainer =
    state.vfioNodes.find((n) => n.path === '/dev/vfio/vfio') ??
    ({ path: '/dev/vfio/vfio', exists: false, accessible: false } satisfies NodeState);
  const idsParams = vfioPciIdsParams(params);

  const host: HostState = {
    vmGuest: virtio.length > 0,
    virtioDeviceCount: virtio.length,
    platform,
    kvm: state.kvm,
    vfioPciModuleLoaded: state.vfioPciModuleLoaded || state.vfioPciDriverRegistered,
    vfioContainer,
    vfioPciIdsParams: idsParams,
    cmdline: state.cmdline,
    memlock: state.memlock,
    pciDeviceCount: state.pciDevices.length,
  };

  const gpus: GpuEntry[] = state.pciDevices.filter((d) => isGpuClass(d.class)).map((d) => {
    const driver = d.driver;
    const binding: GpuBinding =
      driver === 'vfio-pci'
        ? 'vfio-ready'
        : driver === null
          ? 'unbound'
          : HOST_GPU_DRIVERS.includes(driver)
            ? 'claimed-by-host-driver'
            : 'other-driver';
    const members = d.iommuGroup === null ? [] : (state.iommuGroups[d.iommuGroup] ?? []);
    const groupMembers: GroupMember[] = members
      .filter((a) => a !== d.address)
      .map((a) => {
        const m: PciDevice =
          byAddress.get(a) ??
          {
            address: a, vendor: null, device: null, class: null, subsystemVendor: null,
            subsystemDevice: null, driver: null, iommuGroup: d.iommuGroup, driverOverride: null,
          };
        const companion = slotOf(a) === slotOf(d.address);
        const st = memberStatus(m);
        return {
          address: a,
          id: pciId(m),
          class: m.class,
          className: className(m.class),
          driver: m.driver,
          companion,
          ok: st.ok,
          status: st.status,
        };
      });
    const vfioGroupNode =
      d.iommuGroup === null
        ? null
        : (state.vfioNodes.find((n) => n.path === `/dev/vfio/${d.iommuGroup}`) ?? {
            path: `/dev/vfio/${d.iommuGroup}`,
            exists: false,
            accessible: false,
          });
    return {
      address: d.address,
      vendor: d.vendor,
      device: d.device,
      id: pciId(d),
      vendorName: (d.vendor !== null ? VENDOR_NAMES[d.vendor] : undefined) ?? (d.vendor ?? 'unknown'),
      class: d.class,
      className: className(d.class),
      driver,
      driverOverride: d.driverOverride,
      binding,
      iommuGroup: d.iommuGroup,
      groupMembers,
      isolatable: d.iommuGroup === null ? null : groupMembers.every((m) => m.ok),
      vfioGroupNode,
    };
  });

  const reasons: PreflightReason[] = [];
  const iommuKernelParams = iommuParams(platform);

  // The ids vfio-pci should claim: every GPU and the other functions of its card.
  const wantedIds = uniq([
    ...idsParams.flatMap(splitIds),
    ...gpus.flatMap((g) => {
      const companions = state.pciDevices.filter(
        (d) => d.address !== g.address && slotOf(d.address) === slotOf(g.address),
      );
      return [g.id, ...companions.map(pciId)].filter((x): x is string => x !== null);
    }),
  ]);
  const kernelParamsSnippet = `boot.kernelParams = ${nixList([...iommuKernelParams, `vfio-pci.ids=${wantedIds.join(',')}`])};`;
  const initrdSnippet = 'boot.initrd.kernelModules = [ "vfio_pci" "vfio" "vfio_iommu_type1" ];';

  if (gpus.length === 0) {
    reasons.push({
      id: 'no-gpu',
      severity: 'error',
      message: state.pciDevicesPresent
        ? `No GPU (PCI class 0x0300xx, 0x0302xx or 0x0380xx) among ${state.pciDevices.length} PCI devices.`
        : 'No PCI devices could be read (/sys/bus/pci/devices is absent).',
      fix: [
        'Run the preflight on the host that has the GPU installed (or point --sysfs-root at a capture of it).',
        'Check that the card is seated and enabled in the firmware setup; `lspci -nn` must list it.',
      ],
    });
  }

  if (!iommu.enabled) {
    const where = host.vmGuest
      ? ` This machine looks like a VM guest itself (${virtio.length} virtio devices, vendor 1af4) without a virtual IOMMU: ` +
        'a GPU that was passed through to it cannot be passed on again from here.'
      : '';
    const fix = host.vmGuest
      ? [
          'Run the passthrough test on the bare-metal host that owns the GPU, not inside this VM.',
          'Nested passthrough only works if the outer hypervisor gives this guest a virtual IOMMU (QEMU q35 with `-device intel-iommu,intremap=on,caching-mode=on`); most clouds do not.',
          `On the bare-metal NixOS host: \`boot.kernelParams = ${nixList(iommuKernelParams)};\` and enable VT-d / AMD-Vi in the firmware setup, then reboot.`,
        ]
      : [
          'Enable VT-d (Intel) or AMD-Vi / IOMMU (AMD) in the firmware setup.',
          `Add to the NixOS configuration: \`boot.kernelParams = ${nixList(iommuKernelParams)};\`, then rebuild and reboot.`,
          'After the reboot, `ls /sys/kernel/iommu_groups` must list groups and `/sys/class/iommu` must not be empty.',
        ];
    const cmdParts: string[] = [];
    if (!intelIommuOn && !amdIommuOn) cmdParts.push('neither intel_iommu=on nor amd_iommu=on is on the kernel command line');
    if (!iommuPt) cmdParts.push('iommu=pt is absent');
    reasons.push({
      id: 'no-iommu',
      severity: 'error',
      message:
        `IOMMU is not enabled: no IOMMU groups under /sys/kernel/iommu_groups` +
        (classEntries.length === 0
          ? state.iommuClassEntries === null
            ? ', /sys/class/iommu is absent'
            : ', /sys/class/iommu is empty'
          : '') +
        (cmdParts.length > 0 ? `; ${cmdParts.join(', ')}` : '') +
        '.' +
        where,
      fix,
    });
  } else {
    if (!intelIommuOn && !amdIommuOn) {
      reasons.push({
        id: 'iommu-not-on-cmdline',
        severity: 'info',
        message:
          'IOMMU groups exist although neither intel_iommu=on nor amd_iommu=on is on the kernel command line (the kernel enables it by default here); keep it explicit so a kernel default change does not break passthrough.',
        fix: [`\`boot.kernelParams = ${nixList(iommuKernelParams)};\``],
      });
    }
    if (!iommuPt) {
      reasons.push({
        id: 'iommu-pt-missing',
        severity: 'warning',
        message: 'iommu=pt is not on the kernel command line: host devices pay for DMA translation they do not need.',
        fix: [`\`boot.kernelParams = ${nixList(iommuKernelParams)};\``],
      });
    }
  }

  if (idsParams.length > 1) {
    const joined = uniq(idsParams.flatMap(splitIds));
    reasons.push({
      id: 'multiple-vfio-pci-ids',
      severity: 'error',
      message: `The kernel command line has ${idsParams.length} vfio-pci.ids= parameters (${idsParams.map((v) => `vfio-pci.ids=${v}`).join(', ')}); the kernel keeps only one of them, so some devices are not claimed by vfio-pci.`,
      fix: [
        `Use one parameter with the ids joined by commas: \`vfio-pci.ids=${joined.join(',')}\`.`,
        'Make sure only one module sets it (search the configuration for `vfio-pci.ids`), e.g. compute it once: ' +
          `\`boot.kernelParams = [ ("vfio-pci.ids=" + lib.concatStringsSep "," ${nixList(joined)}) ];\`.`,
      ],
    });
  }

  for (const g of gpus) {
    const label = `${g.vendorName} ${g.id ?? '?'} at ${g.address}`;
    if (g.binding === 'claimed-by-host-driver') {
      const blacklist =
        g.vendor === '10de' ? ['nouveau'] : g.vendor === '1002' ? ['amdgpu', 'radeon'] : g.vendor === '8086' ? ['i915', 'xe'] : [];
      const fix = [
        `Let vfio-pci claim the card at boot: \`${kernelParamsSnippet}\``,
        `Load vfio-pci early, before ${g.driver}: \`${initrdSnippet}\``,
      ];
      if (blacklist.length > 0) fix.push(`\`boot.blacklistedKernelModules = ${nixList(blacklist)};\``);
      if (g.driver === 'nvidia') {
        fix.push(
          'Remove "nvidia" from `services.xserver.videoDrivers` and drop `hardware.nvidia.*` on this host, or at least add `boot.extraModprobeConfig = "softdep nvidia pre: vfio-pci";`.',
        );
      }
      fix.push(
        `Without a reboot (until the next one): \`echo ${g.address} > /sys/bus/pci/devices/${g.address}/driver/unbind; echo vfio-pci > /sys/bus/pci/devices/${g.address}/driver_override; echo ${g.address} > /sys/bus/pci/drivers_probe\`.`,
      );
      reasons.push({
        id: 'claimed-by-host-driver',
        severity: 'error',
        device: g.address,
        message: `${label} is bound to the host driver ${g.driver}; QEMU needs it bound to vfio-pci.`,
        fix,
      });
    } else if (g.binding === 'other-driver' || g.binding === 'unbound') {
      reasons.push({
        id: 'not-bound-to-vfio',
        severity: 'error',
        device: g.address,
        message:
          g.binding === 'unbound'
            ? `${label} is not bound to any driver; QEMU needs it bound to vfio-pci.`
            : `${label} is bound to ${g.driver}, not vfio-pci.`,
        fix: [`\`${kernelParamsSnippet}\``, `\`${initrdSnippet}\``],
      });
    }

    if (iommu.enabled && g.iommuGroup === null) {
      reasons.push({
        id: 'gpu-without-iommu-group',
        severity: 'error',
        device: g.address,
        message: `${label} has no iommu_group link although IOMMU groups exist.`,
        fix: ['Check `dmesg | grep -i -e DMAR -e IOMMU` for errors about this device; update the firmware.'],
      });
    }

    if (g.isolatable === false) {
      const bad = g.groupMembers.filter((m) => !m.ok);
      const companions = bad.filter((m) => m.companion);
      const foreign = bad.filter((m) => !m.companion);
      const fix: string[] = [];
      if (companions.length > 0) {
        fix.push(
          `Give the card's other functions to vfio-pci too (${companions.map((m) => `${m.address} ${m.id ?? '?'} bound to ${m.driver}`).join(', ')}): \`${kernelParamsSnippet}\``,
        );
      }
      if (foreign.length > 0) {
        fix.push(
          `Move the GPU to a slot with its own IOMMU group (often a CPU-attached slot), or also pass ${foreign.map((m) => m.address).join(', ')} to the VM; the group must be handed over as a whole.`,
          'As a last resort on consumer boards: the ACS override patch (`pcie_acs_override=downstream,multifunction`, needs a patched kernel) breaks the isolation guarantee; avoid it for tests of untrusted code.',
        );
      }
      reasons.push({
        id: 'group-not-isolated',
        severity: 'error',
        device: g.address,
        message: `IOMMU group ${g.iommuGroup} of ${label} also contains ${bad.map((m) => `${m.address} (${m.className}${m.id ? ` ${m.id}` : ''}, bound to ${m.driver})`).join(', ')}; every other member must be a bridge, unbound, or bound to vfio-pci.`,
        fix,
      });
    }

    if (iommu.enabled && g.vfioGroupNode !== null) {
      if (!g.vfioGroupNode.exists) {
        reasons.push({
          id: 'no-vfio-group-node',
          severity: 'error',
          device: g.address,
          message: `${g.vfioGroupNode.path} does not exist: the group of ${label} is not handed to vfio (its devices are not all bound to vfio-pci).`,
          fix: [`\`${kernelParamsSnippet}\``, `\`${initrdSnippet}\``],
        });
      } else if (!g.vfioGroupNode.accessible) {
        reasons.push({
          id: 'vfio-group-not-accessible',
          severity: 'error',
          device: g.address,
          message: `${g.vfioGroupNode.path} exists but is not readable and writable by this user.`,
          fix: [
            'Give VFIO group devices to the kvm group: `services.udev.extraRules = \'\'SUBSYSTEM=="vfio", GROUP="kvm", MODE="0660"\'\';` and put the users that start QEMU (and the nix build users) in kvm.',
          ],
        });
      }
    }
  }

  if (!host.vfioPciModuleLoaded) {
    reasons.push({
      id: 'vfio-pci-not-loaded',
      severity: 'error',
      message:
        'The vfio-pci module is not loaded (/sys/module/vfio_pci and /sys/bus/pci/drivers/vfio-pci are absent)' +
        (state.sysModulePresent ? '.' : '; note that this tree has no /sys/module at all.'),
      fix: [`\`${initrdSnippet}\``, 'Or right now: `modprobe vfio-pci`.'],
    });
  }

  if (!vfioContainer.exists) {
    reasons.push({
      id: 'no-dev-vfio',
      severity: 'error',
      message: state.vfioDirPresent
        ? '/dev/vfio exists but /dev/vfio/vfio (the VFIO container device) does not.'
        : '/dev/vfio does not exist: VFIO is not available on this machine' +
          (state.devPresent ? '.' : ' (note that this tree has no /dev at all).'),
      fix: [
        `\`${initrdSnippet}\``,
        'Nix builds do not see /dev/vfio by default: add it with `nix.settings.extra-sandbox-paths = [ "/dev/vfio" ];` or `programs.nix-required-mounts = { enable = true; allowedPatterns.vfio = { onFeatures = [ "vfio" ]; paths = [ "/dev/vfio" ]; }; };` plus `nix.settings.system-features = [ "kvm" "nixos-test" "vfio" ];`.',
      ],
    });
  } else if (!vfioContainer.accessible) {
    reasons.push({
      id: 'dev-vfio-not-accessible',
      severity: 'error',
      message: '/dev/vfio/vfio exists but is not readable and writable by this user.',
      fix: ['It is normally mode 0666; check `ls -l /dev/vfio/vfio` and local udev rules.'],
    });
  }

  if (!state.kvm.exists && !state.devPresent) {
    reasons.push({
      id: 'kvm-not-captured',
      severity: 'warning',
      message: 'This tree has no /dev at all (a capture that left it out?): /dev/kvm could not be checked.',
      fix: ['Run the preflight on the live machine, or capture /dev/kvm and /dev/vfio too.'],
    });
  } else if (!state.kvm.exists) {
    reasons.push({
      id: 'no-kvm',
      severity: 'error',
      message: '/dev/kvm does not exist: QEMU would fall back to slow TCG emulation, and VFIO needs KVM.',
      fix: [
        'Enable VT-x / AMD-V in the firmware setup.',
        '`boot.kernelModules = [ "kvm-intel" ];` (or `"kvm-amd"`), then reboot.',
      ],
    });
  } else if (!state.kvm.accessible) {
    reasons.push({
      id: 'kvm-not-accessible',
      severity: 'error',
      message: '/dev/kvm exists but is not readable and writable by this user.',
      fix: [
        'Add the user (and the nix build users) to the kvm group: `users.users.<name>.extraGroups = [ "kvm" ];`; the nix daemon needs /dev/kvm mode 0666 or its build users in kvm.',
      ],
    });
  }

  if (state.memlock !== null) {
    const need = guestMemoryMiB * 1024 * 1024;
    const soft = state.memlock.soft;
    if (typeof soft === 'number' && soft < need) {
      reasons.push({
        id: 'memlock-too-low',
        severity: 'warning',
        message: `Max locked memory of this process is ${formatMiB(soft)}, below the ${guestMemoryMiB} MiB guest RAM: QEMU pins all guest RAM for VFIO DMA. What counts is the limit of the process that starts QEMU (the nix daemon's build, or your shell).`,
        fix: [
          '`systemd.services.nix-daemon.serviceConfig.LimitMEMLOCK = "infinity";`',
          'For interactive runs: `security.pam.loginLimits = [ { domain = "@kvm"; type = "-"; item = "memlock"; value = "unlimited"; } ];`',
        ],
      });
    }
  }

  const verdict = reasons.some((r) => r.severity === 'error') ? 'not-ready' : 'ready';
  return { verdict, gpus, iommu, host, reasons };
}
