import { writeReportSet, type ReportFile, type ReportSetOutcome } from '../../util/atomic-write.js';
import type { ComplianceResult } from '../run-comply.js';
import { complianceHtmlFile } from './compliance-html.js';
import { complianceJsonFile } from './compliance-json.js';
import { complianceJunitFile } from './compliance-junit.js';
import { complianceMarkdownFile } from './compliance-markdown.js';
import { complianceOpenMetricsFile } from './compliance-openmetrics.js';
import { complianceSarifFile } from './compliance-sarif.js';

export const COMPLIANCE_FORMATS = {
  json: complianceJsonFile,
  md: complianceMarkdownFile,
  html: complianceHtmlFile,
  sarif: complianceSarifFile,
  junit: complianceJunitFile,
  openmetrics: complianceOpenMetricsFile,
} as const satisfies Record<string, (result: ComplianceResult) => ReportFile>;

export type ComplianceFormat = keyof typeof COMPLIANCE_FORMATS;

/** Every format from the one result, written as one set: all new, or (on any failure) all old. */
export async function writeComplianceReports(
  result: ComplianceResult,
  outDir: string,
  formats: readonly ComplianceFormat[] = Object.keys(COMPLIANCE_FORMATS) as ComplianceFormat[],
): Promise<ReportSetOutcome> {
  return writeReportSet(outDir, formats.map((format) => COMPLIANCE_FORMATS[format](result)));
}
