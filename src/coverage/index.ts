import { join } from 'node:path';
import { writeReportSet } from '../util/atomic-write.js';
import { InfrastructureError } from '../util/errors.js';
import { renderCobertura, renderLcov } from './formats.js';
import type { CoverageReport, GateResult } from './types.js';

export { computeCoverage, findDeclarationLine, hitKind, namespaceOf, summarize, type ComputeCoverageInput } from './compute.js';
export { renderCobertura, renderLcov } from './formats.js';
export { optionFilter, optionGlob, type OptionGlob } from './option-glob.js';
export { readsFromControls, readsFromSuites, type CheckLike, type ControlLike, type PlannedCaseLike } from './reads.js';
export { formatCoverageTable } from './table.js';
export type * from './types.js';

export const COVERAGE_FILES = {
  lcov: 'lcov.info',
  cobertura: 'coverage.cobertura.xml',
  json: 'coverage.json',
} as const;

export interface WrittenCoverageReports {
  lcov: string;
  cobertura: string;
  json: string;
}

/**
 * Write lcov.info, coverage.cobertura.xml and coverage.json (schemas/coverage.schema.json)
 * into outDir as one set (all new, or on any failure all old). Paths inside are relative
 * to the working directory, so run genhtml/Codecov/GitLab from the same directory.
 */
export async function writeCoverageReports(report: CoverageReport, outDir: string, options: { version?: string } = {}): Promise<WrittenCoverageReports> {
  const { failures } = await writeReportSet(outDir, [
    { name: COVERAGE_FILES.lcov, render: () => renderLcov(report) },
    { name: COVERAGE_FILES.cobertura, render: () => renderCobertura(report, options.version) },
    { name: COVERAGE_FILES.json, render: () => `${JSON.stringify({ $schema: 'https://nixcheck.dev/schemas/coverage.schema.json', ...report }, null, 2)}\n` },
  ]);
  if (failures.length > 0) throw new InfrastructureError(failures.join('\n'));
  return {
    lcov: join(outDir, COVERAGE_FILES.lcov),
    cobertura: join(outDir, COVERAGE_FILES.cobertura),
    json: join(outDir, COVERAGE_FILES.json),
  };
}

/** Pass when the overall coverage is at least `minCoverage` percent. No counted option fails. */
export function coverageGate(report: CoverageReport, minCoverage: number): GateResult {
  const percent = report.totals.percent;
  if (percent === null) {
    return { pass: false, percent, minCoverage, message: 'option coverage: no options were counted (check include/exclude and the targets)' };
  }
  const pass = percent >= minCoverage;
  return {
    pass,
    percent,
    minCoverage,
    message: `option coverage ${percent.toFixed(2)}% ${pass ? '>=' : '<'} minimum ${minCoverage}%`,
  };
}
export {
  collectOptionInventory,
  OptionInventoryError,
  type InventoryOption,
  type InventoryOptions,
  type OptionInventory,
} from '../nix/option-inventory.js';
