/**
 * Static checks of a host's EVALUATED NixOS passthrough configuration.
 *
 * The harness evaluates the relevant options (e.g. with
 * `nix eval --json .#nixosConfigurations.<host>.config.boot.kernelParams`) and
 * passes the plain JSON values in. Two input shapes are accepted:
 *   - nested like the option tree: `{ boot: { kernelParams, initrd: { kernelModules }, ... },
 *     services: { xserver: { videoDrivers } }, hardware: { nvidia: {...} } }`
 *   - flat, keyed by option path: `{ "boot.kernelParams": [...], "services.xserver.videoDrivers": [...] }`
 */
import { splitIds, vfioPciIdsParams } from './preflight.js';

export interface PassthroughConfig {
  kernelParams: string[];
  initrdKernelModules: string[];
  kernelModules: string[];
  blacklistedKernelModules: string[];
  videoDrivers: string[];
  /** `hardware.nvidia` as evaluated (any JSON-able subset), null when not given. */
  nvidia: Record<string, unknown> | null;
  extraModprobeConfig: string;
}

export type FindingSeverity = 'error' | 'warning' | 'info';

export interface ConfigFinding {
  id: string;
  severity: FindingSeverity;
  message: string;
  /** Exact change to make, as NixOS configuration. */
  fix: string;
}

export interface ConfigCheckOptions {
  /** `vendor:device` ids of the devices to pass through (e.g. `10de:2330`). */
  deviceIds?: string[];
  /** `intel` or `amd` host; decides which `*_iommu=on` is expected. Unknown: either is accepted. */
  platform?: 'intel' | 'amd';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function get(obj: unknown, dotted: string): unknown {
  if (isRecord(obj) && dotted in obj) return obj[dotted];
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Accept either input shape (see the file comment) and fill in defaults. */
export function normalizePassthroughConfig(input: unknown): PassthroughConfig {
  const flatNvidia: Record<string, unknown> = {};
  if (isRecord(input)) {
    for (const [k, v] of Object.entries(input)) {
      if (k.startsWith('hardware.nvidia.')) flatNvidia[k.slice('hardware.nvidia.'.length)] = v;
    }
  }
  const nested = get(input, 'hardware.nvidia');
  const nvidia = isRecord(nested)
    ? nested
    : Object.keys(flatNvidia).length > 0
      ? flatNvidia
      : null;
  const modprobe = get(input, 'boot.extraModprobeConfig');
  return {
    kernelParams: strings(get(input, 'boot.kernelParams')),
    initrdKernelModules: strings(get(input, 'boot.initrd.kernelModules')),
    kernelModules: strings(get(input, 'boot.kernelModules')),
    blacklistedKernelModules: strings(get(input, 'boot.blacklistedKernelModules')),
    videoDrivers: strings(get(input, 'services.xserver.videoDrivers')),
    nvidia,
    extraModprobeConfig: typeof modprobe === 'string' ? modprobe : '',
  };
}

/** Module names: the kernel and modprobe treat `-` and `_` alike. */
function mod(name: string): string {
  return name.replace(/-/g, '_');
}

function hasMod(list: string[], name: string): boolean {
  return list.some((m) => mod(m) === mod(name));
}

function nixList(items: string[]): string {
  return `[ ${items.map((s) => JSON.stringify(s)).join(' ')} ]`;
}

/** `options vfio-pci ids=...` lines of a modprobe config. */
function modprobeVfioIds(conf: string): string[] {
  const out: string[] = [];
  for (const line of conf.split('\n')) {
    const m = /^\s*options\s+vfio[-_]pci\s+(.*)$/.exec(line);
    if (!m) continue;
    for (const tok of (m[1] as string).split(/\s+/)) {
      if (tok.startsWith('ids=')) out.push(tok.slice(4));
    }
  }
  return out;
}

function nvidiaConfigured(cfg: PassthroughConfig): string | null {
  if (cfg.videoDrivers.includes('nvidia')) return '"nvidia" is in services.xserver.videoDrivers';
  const dc = cfg.nvidia?.['datacenter'];
  if (isRecord(dc) && dc['enable'] === true) return 'hardware.nvidia.datacenter.enable is true';
  const hostMods = [...cfg.initrdKernelModules, ...cfg.kernelModules].filter((m) => /^nvidia/.test(mod(m)));
  if (hostMods.length > 0) return `${hostMods.join(', ')} ${hostMods.length > 1 ? 'are' : 'is'} in the kernel modules`;
  return null;
}

export function checkPassthroughConfig(input: unknown, options: ConfigCheckOptions = {}): ConfigFinding[] {
  const cfg = normalizePassthroughConfig(input);
  const findings: ConfigFinding[] = [];
  const kp = cfg.kernelParams;
  const has = (p: string) => kp.some((t) => t.replace(/^([^=]*)/, (n) => n.replace(/-/g, '_')) === p);

  const intelOn = has('intel_iommu=on');
  const amdOn = has('amd_iommu=on');
  const wantIommu = options.platform === 'amd' ? 'amd_iommu=on' : 'intel_iommu=on';
  const iommuOk = options.platform === 'intel' ? intelOn : options.platform === 'amd' ? amdOn : intelOn || amdOn;
  if (!iommuOk) {
    findings.push({
      id: 'iommu-param-missing',
      severity: 'error',
      message: `boot.kernelParams has no ${options.platform ? wantIommu : 'intel_iommu=on / amd_iommu=on'}: the IOMMU may be off and VFIO unusable.`,
      fix: `boot.kernelParams = ${nixList([wantIommu, 'iommu=pt'])};`,
    });
  }
  if (!has('iommu=pt')) {
    findings.push({
      id: 'iommu-pt-missing',
      severity: 'warning',
      message: 'boot.kernelParams has no iommu=pt: host devices pay for DMA translation they do not need.',
      fix: 'boot.kernelParams = [ "iommu=pt" ];',
    });
  }

  if (hasMod(cfg.blacklistedKernelModules, 'vfio_pci')) {
    findings.push({
      id: 'vfio-pci-blacklisted',
      severity: 'error',
      message: 'vfio_pci is in boot.blacklistedKernelModules.',
      fix: 'Remove "vfio_pci" / "vfio-pci" from boot.blacklistedKernelModules.',
    });
  }
  if (!hasMod(cfg.initrdKernelModules, 'vfio_pci')) {
    findings.push({
      id: 'vfio-pci-not-in-initrd',
      severity: 'error',
      message: hasMod(cfg.kernelModules, 'vfio_pci')
        ? 'vfio_pci is only in boot.kernelModules (loaded after the initrd): the host GPU driver can claim the device first.'
        : 'vfio_pci is not loaded early: it is missing from boot.initrd.kernelModules.',
      fix: 'boot.initrd.kernelModules = [ "vfio_pci" "vfio" "vfio_iommu_type1" ];',
    });
  } else {
    const missing = ['vfio', 'vfio_iommu_type1'].filter((m) => !hasMod(cfg.initrdKernelModules, m));
    if (missing.length > 0) {
      findings.push({
        id: 'vfio-modules-incomplete',
        severity: 'warning',
        message: `boot.initrd.kernelModules has vfio_pci but not ${missing.join(', ')}.`,
        fix: 'boot.initrd.kernelModules = [ "vfio_pci" "vfio" "vfio_iommu_type1" ];',
      });
    }
  }

  const cmdIds = vfioPciIdsParams(kp);
  const modIds = modprobeVfioIds(cfg.extraModprobeConfig);
  const allIds = [...new Set([...cmdIds, ...modIds].flatMap(splitIds))];
  if (cmdIds.length > 1) {
    findings.push({
      id: 'multiple-vfio-pci-ids',
      severity: 'error',
      message: `boot.kernelParams has ${cmdIds.length} vfio-pci.ids= parameters (${cmdIds.map((v) => `vfio-pci.ids=${v}`).join(', ')}); the kernel keeps only one, so some devices stay with their host driver. This typically happens when several modules each add their own.`,
      fix: `boot.kernelParams = [ ${JSON.stringify(`vfio-pci.ids=${[...new Set(cmdIds.flatMap(splitIds))].join(',')}`)} ];  # one parameter, ids joined with commas; remove the others`,
    });
  }
  if (cmdIds.length > 0 && modIds.length > 0) {
    findings.push({
      id: 'vfio-pci-ids-two-sources',
      severity: 'warning',
      message: 'vfio-pci ids are set both on the kernel command line and in boot.extraModprobeConfig; the command line wins for a built-in or initrd-loaded vfio-pci.',
      fix: `Keep one: boot.kernelParams = [ ${JSON.stringify(`vfio-pci.ids=${allIds.join(',')}`)} ]; and drop "options vfio-pci ids=..." from boot.extraModprobeConfig.`,
    });
  }

  const deviceIds = (options.deviceIds ?? []).map((s) => s.toLowerCase());
  const passed = deviceIds.length > 0 ? deviceIds : allIds;
  if (allIds.length === 0) {
    findings.push({
      id: 'no-vfio-pci-ids',
      severity: 'error',
      message: 'No vfio-pci.ids= on the kernel command line (nor options vfio-pci ids= in boot.extraModprobeConfig): nothing makes vfio-pci claim the GPU at boot.',
      fix: `boot.kernelParams = [ ${JSON.stringify(`vfio-pci.ids=${deviceIds.length > 0 ? deviceIds.join(',') : '<vendor>:<device>,...'}`)} ];`,
    });
  } else {
    const missing = deviceIds.filter((id) => !allIds.includes(id));
    if (missing.length > 0) {
      findings.push({
        id: 'device-not-in-vfio-pci-ids',
        severity: 'error',
        message: `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in vfio-pci.ids (${allIds.join(',')}).`,
        fix: `boot.kernelParams = [ ${JSON.stringify(`vfio-pci.ids=${[...new Set([...allIds, ...missing])].join(',')}`)} ];  # one parameter`,
      });
    }
  }

  const nvidiaIds = passed.filter((id) => id.startsWith('10de:'));
  if (nvidiaIds.length > 0) {
    if (!hasMod(cfg.blacklistedKernelModules, 'nouveau')) {
      findings.push({
        id: 'nouveau-not-blacklisted',
        severity: 'warning',
        message: `NVIDIA device ${nvidiaIds.join(', ')} is passed through but nouveau is not blacklisted: it can claim the GPU before vfio-pci.`,
        fix: 'boot.blacklistedKernelModules = [ "nouveau" ];',
      });
    }
    const nv = nvidiaConfigured(cfg);
    if (nv !== null) {
      const softdep = /softdep\s+nvidia\s+pre:\s*.*\bvfio[-_]pci\b/.test(cfg.extraModprobeConfig);
      findings.push({
        id: 'nvidia-driver-claims-passed-device',
        severity: softdep ? 'info' : 'warning',
        message: `NVIDIA device ${nvidiaIds.join(', ')} is passed through while ${nv}: the host nvidia driver will try to bind the same device${softdep ? ' (softdep nvidia pre: vfio-pci is set, so vfio-pci loads first)' : ''}.`,
        fix: softdep
          ? 'Keep vfio_pci in boot.initrd.kernelModules so the ids are claimed before nvidia loads.'
          : 'Remove "nvidia" from services.xserver.videoDrivers on a host that passes its only NVIDIA GPU, or keep it for other GPUs and add boot.extraModprobeConfig = "softdep nvidia pre: vfio-pci";',
      });
    }
  }
  const amdIds = passed.filter((id) => id.startsWith('1002:'));
  if (amdIds.length > 0) {
    const claimers = cfg.videoDrivers.filter((d) => d === 'amdgpu' || d === 'radeon');
    if (claimers.length > 0) {
      findings.push({
        id: 'amdgpu-driver-claims-passed-device',
        severity: 'warning',
        message: `AMD device ${amdIds.join(', ')} is passed through while ${claimers.join(', ')} is in services.xserver.videoDrivers.`,
        fix: 'boot.extraModprobeConfig = "softdep amdgpu pre: vfio-pci"; and keep vfio_pci in boot.initrd.kernelModules.',
      });
    }
  }
  return findings;
}
