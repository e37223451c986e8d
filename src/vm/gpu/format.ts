/**
 * The stable JSON shape of `nixcheck gpu preflight` and its human text form.
 */
import type { GpuEntry, HostState, IommuState, PreflightReason } from './preflight.js';

export const GPU_PREFLIGHT_SCHEMA_VERSION = 1;

/**
 * JSON report of `nixcheck gpu preflight --json`. Field names and reason ids are
 * stable; new fields may be added, existing ones are not renamed or removed
 * without bumping `schemaVersion`.
 */
export interface GpuPreflightReport {
  schemaVersion: typeof GPU_PREFLIGHT_SCHEMA_VERSION;
  kind: 'gpu-preflight';
  /** The root the state was read from (`/` for the live machine). */
  sysfsRoot: string;
  verdict: 'ready' | 'not-ready';
  gpus: GpuEntry[];
  iommu: IommuState;
  host: HostState;
  /** Errors first, then warnings, then infos; order within a severity is stable. */
  reasons: PreflightReason[];
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i] as number)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}

function nodeText(n: { exists: boolean; accessible: boolean }): string {
  return n.exists ? (n.accessible ? 'present, accessible' : 'present, NOT accessible') : 'absent';
}

/** Human-readable report: GPU table, host facts, verdict, numbered fix steps. */
export function formatGpuPreflight(report: GpuPreflightReport): string {
  const out: string[] = [];
  out.push(`GPU passthrough preflight (root: ${report.sysfsRoot})`);
  out.push('');
  if (report.gpus.length === 0) {
    out.push('GPUs: none found');
  } else {
    out.push('GPUs:');
    out.push(
      ...table(
        ['ADDRESS', 'ID', 'VENDOR', 'CLASS', 'DRIVER', 'IOMMU GROUP', 'ISOLATABLE'],
        report.gpus.map((g) => [
          g.address,
          g.id ?? '?',
          g.vendorName,
          g.className,
          g.driver ?? '(none)',
          g.iommuGroup ?? '(none)',
          g.isolatable === null ? '-' : yesNo(g.isolatable),
        ]),
      ).map((l) => `  ${l}`),
    );
    for (const g of report.gpus) {
      if (g.groupMembers.length === 0) continue;
      out.push(`  group ${g.iommuGroup} of ${g.address} also has:`);
      for (const m of g.groupMembers) {
        out.push(
          `    ${m.address} ${m.id ?? '?'} ${m.className}, driver ${m.driver ?? '(none)'}${m.companion ? ', same card' : ''}: ${m.ok ? 'ok' : 'BLOCKS'} (${m.status})`,
        );
      }
    }
  }
  out.push('');
  const h = report.host;
  const i = report.iommu;
  out.push('Host:');
  out.push(
    `  IOMMU: ${i.enabled ? `enabled, ${i.groupCount} groups` : 'not enabled (no groups)'}; /sys/class/iommu: ${i.classEntries.length > 0 ? i.classEntries.join(' ') : 'empty'}`,
  );
  out.push(
    `  cmdline: intel_iommu=on ${yesNo(i.cmdline.intelIommuOn)}, amd_iommu=on ${yesNo(i.cmdline.amdIommuOn)}, iommu=pt ${yesNo(i.cmdline.iommuPt)}, vfio-pci.ids ${h.vfioPciIdsParams.length === 0 ? 'none' : h.vfioPciIdsParams.join(' | ')}`,
  );
  out.push(`  vfio-pci module: ${h.vfioPciModuleLoaded ? 'loaded' : 'not loaded'}; /dev/vfio/vfio: ${nodeText(h.vfioContainer)}; /dev/kvm: ${nodeText(h.kvm)}`);
  if (h.vmGuest) out.push(`  this machine looks like a VM guest (${h.virtioDeviceCount} virtio devices)`);
  out.push('');
  out.push(`Verdict: ${report.verdict === 'ready' ? 'READY' : 'NOT READY'} for GPU passthrough`);
  if (report.reasons.length > 0) {
    out.push('');
    out.push('Reasons:');
    report.reasons.forEach((r, idx) => {
      out.push(`${idx + 1}. [${r.severity}] ${r.id}: ${r.message}`);
      r.fix.forEach((f, j) => out.push(`   ${idx + 1}.${j + 1} ${f}`));
    });
  }
  return out.join('\n') + '\n';
}
