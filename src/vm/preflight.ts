/**
 * VM preflight: can this machine run NixOS VM tests, and fast? Checks Nix (version,
 * flakes usable through --extra-experimental-features), system-features, /dev/kvm and
 * free disk. Without KVM QEMU silently falls back to TCG emulation (several times
 * slower, timeouts everywhere), so a missing or inaccessible /dev/kvm is an error.
 */
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { NIX_FEATURE_ARGS, nixBinary } from '../nix/nix-cli.js';
import { runInProcessGroup } from '../process/run-group.js';

export interface VmPreflightProblem {
  id: 'nix-missing' | 'nix-too-old' | 'system-features' | 'kvm-missing' | 'kvm-inaccessible' | 'disk-space' | 'config-unreadable';
  severity: 'error' | 'warning';
  message: string;
  fix: string;
}

export interface VmPreflightReport {
  /** No error-severity problem. */
  ok: boolean;
  problems: VmPreflightProblem[];
  nixVersion: string | null;
  kvm: { path: string; exists: boolean; readWrite: boolean };
  /** From `nix config show` / `nix show-config`; null when neither worked. */
  systemFeatures: string[] | null;
  freeDiskBytes: number | null;
}

export interface VmPreflightOptions {
  kvmPath?: string;
  /** Directory whose file system must have room (default /nix/store, falling back to /). */
  diskPath?: string;
  minFreeDiskBytes?: number;
  /** Command runner (tests replace it). */
  exec?: (file: string, args: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

const GiB = 1024 ** 3;

async function defaultExec(file: string, args: string[]) {
  const r = await runInProcessGroup(file, args);
  return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export function parseNixVersion(text: string): string | null {
  return /(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1] ?? null;
}

/** `key = value` lines of nix.conf syntax (what `nix show-config` prints). */
export function parseConfigLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function versionAtLeast(v: string, min: [number, number]): boolean {
  const [a, b] = v.split('.').map(Number) as [number, number];
  return a > min[0] || (a === min[0] && b >= min[1]);
}

export async function vmPreflight(options: VmPreflightOptions = {}): Promise<VmPreflightReport> {
  const exec = options.exec ?? defaultExec;
  const nix = nixBinary();
  const problems: VmPreflightProblem[] = [];

  let nixVersion: string | null = null;
  try {
    const v = await exec(nix, ['--version']);
    if (v.exitCode === 0) nixVersion = parseNixVersion(v.stdout);
  } catch {
    nixVersion = null;
  }
  if (nixVersion === null) {
    problems.push({ id: 'nix-missing', severity: 'error', message: `${nix} --version failed: Nix is not installed or not on PATH`, fix: 'Install Nix 2.8 or newer (https://nixos.org/download).' });
  } else if (!versionAtLeast(nixVersion, [2, 8])) {
    problems.push({ id: 'nix-too-old', severity: 'error', message: `Nix ${nixVersion} is too old (nixcheck needs 2.8 or newer for builtins.getFlake and nix build -f)`, fix: 'Upgrade Nix to 2.8 or newer.' });
  }

  let systemFeatures: string[] | null = null;
  if (nixVersion !== null) {
    // Newer Nix: `nix config show`; Nix 2.8 and up to 2.19: `nix show-config`. Try both.
    for (const args of [[...NIX_FEATURE_ARGS, 'config', 'show'], [...NIX_FEATURE_ARGS, 'show-config']]) {
      try {
        const r = await exec(nix, args);
        if (r.exitCode !== 0) continue;
        const cfg = parseConfigLines(r.stdout);
        if (cfg['system-features'] !== undefined) {
          systemFeatures = cfg['system-features'].split(/\s+/).filter(Boolean);
          break;
        }
      } catch {
        // try the next form
      }
    }
    if (systemFeatures === null) {
      problems.push({ id: 'config-unreadable', severity: 'warning', message: 'could not read system-features from `nix config show` or `nix show-config`', fix: 'Check that `nix --extra-experimental-features nix-command show-config` works.' });
    } else {
      const missing = ['kvm', 'nixos-test'].filter((f) => !systemFeatures!.includes(f));
      if (missing.length > 0) {
        problems.push({
          id: 'system-features',
          severity: 'warning',
          message: `system-features lacks ${missing.join(' and ')}: \`nix build\` of a VM test derivation (and \`nix flake check\`) will refuse to build it here. nixcheck runs the driver directly, which does not need them.`,
          fix: `Add them: nix.settings.system-features = [ "kvm" "nixos-test" "benchmark" "big-parallel" ]; (NixOS) or system-features = ${[...systemFeatures!, ...missing].join(' ')} in nix.conf.`,
        });
      }
    }
  }

  const kvmPath = options.kvmPath ?? '/dev/kvm';
  const kvm = { path: kvmPath, exists: false, readWrite: false };
  try {
    await access(kvmPath, constants.F_OK);
    kvm.exists = true;
    await access(kvmPath, constants.R_OK | constants.W_OK);
    kvm.readWrite = true;
  } catch {
    // reported below
  }
  if (!kvm.exists) {
    problems.push({
      id: 'kvm-missing',
      severity: 'error',
      message: `${kvmPath} does not exist: without KVM, QEMU falls back to TCG emulation silently and VM tests run many times slower (and time out)`,
      fix: 'Enable virtualisation in the firmware (VT-x/AMD-V), load kvm-intel or kvm-amd, or enable nested virtualisation on a VM or CI runner.',
    });
  } else if (!kvm.readWrite) {
    problems.push({
      id: 'kvm-inaccessible',
      severity: 'error',
      message: `${kvmPath} exists but this user cannot read and write it: QEMU would fall back to TCG emulation`,
      fix: 'Add the user to the kvm group, or (CI) a udev rule: KERNEL=="kvm", GROUP="kvm", MODE="0666".',
    });
  }

  let freeDiskBytes: number | null = null;
  for (const p of options.diskPath ? [options.diskPath] : ['/nix/store', '/']) {
    try {
      const s = await statfs(p);
      freeDiskBytes = s.bavail * s.bsize;
      break;
    } catch {
      // next
    }
  }
  const minFree = options.minFreeDiskBytes ?? 10 * GiB;
  if (freeDiskBytes !== null && freeDiskBytes < minFree) {
    problems.push({
      id: 'disk-space',
      severity: 'warning',
      message: `only ${(freeDiskBytes / GiB).toFixed(1)} GiB free for the Nix store: VM closures and disk images need several GiB per host`,
      fix: 'Free space (nix-collect-garbage -d) or move the store to a larger disk.',
    });
  }

  return { ok: !problems.some((p) => p.severity === 'error'), problems, nixVersion, kvm, systemFeatures, freeDiskBytes };
}
