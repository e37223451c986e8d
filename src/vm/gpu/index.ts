/**
 * `nixcheck gpu preflight` (library part). The CLI calls runGpuPreflight and
 * prints formatGpuPreflight(report) or JSON.stringify(report).
 */
import { GPU_PREFLIGHT_SCHEMA_VERSION, type GpuPreflightReport } from './format.js';
import { evaluatePreflight, type PreflightReason } from './preflight.js';
import { readSysfs, type SysfsState } from './sysfs.js';

export { formatGpuPreflight, GPU_PREFLIGHT_SCHEMA_VERSION } from './format.js';
export type { GpuPreflightReport } from './format.js';
export * from './preflight.js';
export { readSysfs, resolveInRoot, parseMemlock } from './sysfs.js';
export type { SysfsState, PciDevice, NodeState, MemlockLimit } from './sysfs.js';
export { checkPassthroughConfig, normalizePassthroughConfig } from './config-checks.js';
export type { PassthroughConfig, ConfigFinding, ConfigCheckOptions } from './config-checks.js';
export { generateGpuSmokeTest, nixStringLiteral, SMOKE_TEST_MACHINE_METHODS } from './smoke-test.js';
export type { GpuSmokeTestInput, GpuSmokeTest } from './smoke-test.js';

export interface GpuPreflightOptions {
  /** Root of the (possibly captured) tree to inspect; default `/` (the live machine). */
  sysfsRoot?: string;
  /** Guest RAM in MiB, for the memlock check (default 1024). */
  guestMemoryMiB?: number;
}

const SEVERITY_ORDER: Record<PreflightReason['severity'], number> = { error: 0, warning: 1, info: 2 };

/** Build the report from an already-read state (pure). */
export function buildGpuPreflightReport(
  state: SysfsState,
  options: Omit<GpuPreflightOptions, 'sysfsRoot'> = {},
): GpuPreflightReport {
  const r = evaluatePreflight(state, options);
  const reasons = r.reasons
    .map((reason, idx) => ({ reason, idx }))
    .sort((a, b) => SEVERITY_ORDER[a.reason.severity] - SEVERITY_ORDER[b.reason.severity] || a.idx - b.idx)
    .map((x) => x.reason);
  return {
    schemaVersion: GPU_PREFLIGHT_SCHEMA_VERSION,
    kind: 'gpu-preflight',
    sysfsRoot: state.root,
    verdict: r.verdict,
    gpus: r.gpus,
    iommu: r.iommu,
    host: r.host,
    reasons,
  };
}

/** Read `<sysfsRoot>` (default `/`) and evaluate it. Never throws for missing files. */
export async function runGpuPreflight(options: GpuPreflightOptions = {}): Promise<GpuPreflightReport> {
  const state = await readSysfs({ root: options.sysfsRoot ?? '/' });
  return buildGpuPreflightReport(state, { guestMemoryMiB: options.guestMemoryMiB });
}
