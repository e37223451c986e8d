import type { ComplianceResult } from '../run-comply.js';
import { writeComplianceHtml } from './compliance-html.js';
import { writeComplianceJson } from './compliance-json.js';
import { writeComplianceJunit } from './compliance-junit.js';
import { writeComplianceMarkdown } from './compliance-markdown.js';
import { writeComplianceOpenMetrics } from './compliance-openmetrics.js';
import { writeComplianceSarif } from './compliance-sarif.js';

export const COMPLIANCE_FORMATS = {
  json: writeComplianceJson,
  md: writeComplianceMarkdown,
  html: writeComplianceHtml,
  sarif: writeComplianceSarif,
  junit: writeComplianceJunit,
  openmetrics: writeComplianceOpenMetrics,
} as const;

export type ComplianceFormat = keyof typeof COMPLIANCE_FORMATS;

/** Every format from the one result; one format failing does not stop the others. */
export async function writeComplianceReports(
  result: ComplianceResult,
  outDir: string,
  formats: readonly ComplianceFormat[] = Object.keys(COMPLIANCE_FORMATS) as ComplianceFormat[],
): Promise<{ written: string[]; failures: string[] }> {
  const written: string[] = [];
  const failures: string[] = [];
  for (const format of formats) {
    try {
      written.push(await COMPLIANCE_FORMATS[format](result, outDir));
    } catch (err) {
      failures.push(`${format} report: ${(err as Error).message}`);
    }
  }
  return { written, failures };
}
