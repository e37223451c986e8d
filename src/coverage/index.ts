import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
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
 * into outDir, each atomically. Paths inside are relative to the working directory, so
 * run genhtml/Codecov/GitLab from the same directory.
 */
export async function writeCoverageReports(report: CoverageReport, outDir: string, options: { version?: string } = {}): Promise<WrittenCoverageReports> {
  const paths = {
    lcov: join(outDir, COVERAGE_FILES.lcov),
    cobertura: join(outDir, COVERAGE_FILES.cobertura),
    json: join(outDir, COVERAGE_FILES.json),
  };
  await writeFileAtomic(paths.lcov, renderLcov(report));
  await writeFileAtomic(paths.cobertura, renderCobertura(report, options.version));
  await writeFileAtomic(paths.json, `${JSON.stringify({ $schema: 'https://nixcheck.dev/schemas/coverage.schema.json', ...report }, null, 2)}\n`);
  return paths;
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
