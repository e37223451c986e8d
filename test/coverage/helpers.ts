import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { CoverageRead } from '../../src/coverage/index.js';
import type { ResolvedTarget } from '../../src/target/resolve-target.js';
import { OFFLINE_FLAKE } from '../helpers/paths.js';

export const OFFLINE_REF = `path:${OFFLINE_FLAKE}`;

/** A flake target of the offline fixture, as resolveTarget builds it. */
export function hostTarget(host: string): ResolvedTarget {
  return {
    key: `flake:${OFFLINE_REF}#${JSON.stringify(['nixosConfigurations', host])}`,
    label: host,
    host,
    evalTarget: { base: { kind: 'flake', flake: OFFLINE_REF, attrPath: ['nixosConfigurations', host] }, sourceDir: OFFLINE_FLAKE },
  };
}

export function fileTarget(file: string, attr: string[]): ResolvedTarget {
  const abs = join(OFFLINE_FLAKE, file);
  return {
    key: `file:${abs}#${attr.join('.')}`,
    label: `${file}#${attr.join('.')}`,
    evalTarget: { base: { kind: 'file', file: abs, attrPath: attr }, sourceDir: OFFLINE_FLAKE },
  };
}

/** These tests need the real tools: a missing one is a failure, never a skip. */
export function requireTool(binary: string, args: string[]): void {
  try {
    execFileSync(binary, args, { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`${binary} is required by the coverage tests and is not usable: ${(err as Error).message}`);
  }
}

/** The options the offline fixture's own modules (fixtures/offline/modules) declare. */
export const KERNELCORE_OPTIONS: Record<string, string[]> = {
  'modules/hardware/nvidia.nix': [
    'kernelcore.nvidia.enable',
    'kernelcore.nvidia.cudaSupport',
    'kernelcore.nvidia.openKernelModule',
    'kernelcore.nvidia.prime.offload',
    'kernelcore.nvidia.prime.nvidiaBusId',
    'kernelcore.nvidia.prime.intelBusId',
  ],
  'modules/network/dns-resolver.nix': [
    'kernelcore.network.dns-resolver.enableDNSSEC',
    'kernelcore.network.dns-resolver.upstream',
    'kernelcore.network.vpn.tailscale.port',
  ],
  'modules/profiles/k8s-lab.nix': ['kernelcore.profiles.k8s.enable', 'kernelcore.profiles.k8s.apiPort'],
  'modules/security/audit.nix': ['kernelcore.security.audit.enable', 'kernelcore.security.audit.immutable'],
  'modules/security/hardening.nix': [
    'kernelcore.security.hardening.enable',
    'kernelcore.security.hardening.extraSysctl',
    'kernelcore.security.hardening.extraModprobeConfig',
    'kernelcore.security.nix.extraSubstituters',
    'kernelcore.security.aide.checkSchedule',
    'kernelcore.security.tls.mode',
  ],
  'modules/security/ssh.nix': ['kernelcore.security.ssh.enable', 'kernelcore.security.ssh.enable2FA', 'kernelcore.security.ssh.allowGroups'],
  'modules/soc/soc.nix': ['kernelcore.soc.profile', 'kernelcore.soc.retention.days', 'kernelcore.soc.labels'],
  'modules/virtualization/vfio.nix': [
    'kernelcore.virtualization.vfio.enable',
    'kernelcore.virtualization.vfio.gpuIds',
    'kernelcore.virtualization.vms',
  ],
};

export const p = (text: string) => text.split('.');

/**
 * The hand-made read list documented in docs/coverage.md ("Worked example"). Expected
 * numbers there were computed by hand from fixtures/offline/modules.
 */
export const HAND_READS: CoverageRead[] = [
  { path: p('kernelcore.security.hardening.enable'), by: 'suite', where: 'suites/example.yaml:1' },
  { path: p('kernelcore.security.ssh'), by: 'suite', where: 'suites/example.yaml:2' },
  { path: p('kernelcore.nvidia.prime.offload'), by: 'suite', where: 'suites/example.yaml:3' },
  { path: p('kernelcore.nvidia.prime'), by: 'control', where: 'controls/example.yaml:1' },
  { path: ['kernelcore', 'security', 'hardening', 'extraSysctl', 'kernel.sysrq'], by: 'suite', where: 'suites/example.yaml:4' },
  { path: ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'], by: 'control', where: 'controls/example.yaml:2' },
  { path: p('kernelcore.soc.profile'), by: 'control', where: 'controls/example.yaml:3' },
  { path: p('services.openssh.settings.PermitRootLogin'), by: 'control', where: 'controls/example.yaml:4' },
  { path: p('kernelcore.security.audit.enable'), by: 'suite', where: 'suites/example.yaml:5' },
  { path: p('kernelcore.security.audit.enable'), by: 'suite', where: 'suites/example.yaml:6' },
  // the same case on a second target: counted once
  { path: p('kernelcore.security.audit.enable'), by: 'suite', where: 'suites/example.yaml:5' },
  { path: p('kernelcore.nonexistent.x'), by: 'suite', where: 'suites/example.yaml:7' },
  { path: p('kernelcore.security.ssh.enable'), by: 'control', where: 'controls/example.yaml:5' },
];
