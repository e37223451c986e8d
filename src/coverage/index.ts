import { join } from 'node:path';
import { writeReportSet } from '../util/atomic-write.js';
import { InfrastructureError } from '../util/errors.js';
import { descriptionHits, renderCobertura, renderLcov } from './formats.js';
import type { CoverageReport, GateResult } from './types.js';

export { computeCoverage, findDeclarationLine, hitKind, namespaceOf, optionName, summarize, summarizeDocumentation, type ComputeCoverageInput } from './compute.js';
export { descriptionHits, readHits, renderCobertura, renderLcov } from './formats.js';
export { optionFilter, optionGlob, type OptionGlob } from './option-glob.js';
export { readsFromControls, readsFromSuites, type CheckLike, type ControlLike, type PlannedCaseLike } from './reads.js';
export { formatCoverageTable } from './table.js';
export type * from './types.js';

export const COVERAGE_FILES = {
  lcov: 'lcov.info',
  cobertura: 'coverage.cobertura.xml',
  json: 'coverage.json',
  /** Documentation coverage in the same formats: an option is "hit" when it has a description. */
  docsLcov: 'docs.lcov.info',
  docsCobertura: 'docs.cobertura.xml',
} as const;

export type WrittenCoverageReports = Record<keyof typeof COVERAGE_FILES, string>;

/**
 * Write lcov.info, coverage.cobertura.xml, coverage.json (schemas/coverage.schema.json)
 * and the documentation coverage as docs.lcov.info and docs.cobertura.xml into outDir as
 * one set (all new, or on any failure all old). Paths inside are relative to the working
 * directory, so run genhtml/Codecov/GitLab from the same directory.
 */
export async function writeCoverageReports(report: CoverageReport, outDir: string, options: { version?: string } = {}): Promise<WrittenCoverageReports> {
  const { failures } = await writeReportSet(outDir, [
    { name: COVERAGE_FILES.lcov, render: () => renderLcov(report) },
    { name: COVERAGE_FILES.cobertura, render: () => renderCobertura(report, options.version) },
    { name: COVERAGE_FILES.json, render: () => `${JSON.stringify({ $schema: 'https://nixcheck.dev/schemas/coverage.schema.json', ...report }, null, 2)}\n` },
    { name: COVERAGE_FILES.docsLcov, render: () => renderLcov(report, descriptionHits) },
    { name: COVERAGE_FILES.docsCobertura, render: () => renderCobertura(report, options.version, descriptionHits) },
  ]);
  if (failures.length > 0) throw new InfrastructureError(failures.join('\n'));
  return Object.fromEntries(Object.entries(COVERAGE_FILES).map(([k, f]) => [k, join(outDir, f)])) as WrittenCoverageReports;
}

/** Pass when the overall option coverage is at least `minCoverage` percent. No counted option fails. */
export function coverageGate(report: CoverageReport, minCoverage: number): GateResult {
  return percentGate('option coverage', report.totals.percent, minCoverage);
}

/** Pass when at least `minimum` percent of the counted options have a description. */
export function docCoverageGate(report: CoverageReport, minimum: number): GateResult {
  return percentGate('documentation coverage', report.documentation.totals.percent, minimum);
}

function percentGate(what: string, percent: number | null, minCoverage: number): GateResult {
  if (percent === null) {
    return { pass: false, percent, minCoverage, message: `${what}: no options were counted (check include/exclude and the targets)` };
  }
  const pass = percent >= minCoverage;
  return { pass, percent, minCoverage, message: `${what} ${percent.toFixed(2)}% ${pass ? '>=' : '<'} minimum ${minCoverage}%` };
}
export {
  collectOptionInventory,
  OptionInventoryError,
  type InventoryOption,
  type InventoryOptions,
  type OptionInventory,
} from '../nix/option-inventory.js';
