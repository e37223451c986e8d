/**
 * What Nix says it read while evaluating: every file it evaluates (`evaluating file`,
 * printed from `-v` on Nix, `-vvv` on Lix) and every local source it copies into the
 * store (`copied source`, from `-vv`). Nix does not report `readFile`, `readDir`,
 * `pathExists`, `hashFile` or `builtins.path`: path-references.ts covers those.
 */
export interface ReportedReads {
  evaluatedFiles: Set<string>;
  /** Store path -> the local path copied there. */
  copiedSources: Map<string, string>;
}

/** The verbosity at which every Nix nixcheck supports reports both. */
export const READ_REPORTING_ARGS = ['-vvv'] as const;

const EVALUATING = /^evaluating file '(.*)'$/;
const COPIED = /^copied source '(.*)' -> '([^']*)'(?: \(hash '[^']*'\))?$/;

export function emptyReads(): ReportedReads {
  return { evaluatedFiles: new Set(), copiedSources: new Map() };
}

export type ReadReport = { evaluated: string } | { copied: string; to: string };

/** The read a line of Nix's stderr reports, if it reports one. */
export function parseReadReport(line: string): ReadReport | undefined {
  const evaluating = EVALUATING.exec(line);
  if (evaluating) return { evaluated: evaluating[1]! };
  const copied = COPIED.exec(line);
  return copied ? { copied: copied[1]!, to: copied[2]! } : undefined;
}

export function recordReportedRead(reads: ReportedReads, line: string): void {
  const report = parseReadReport(line);
  if (report) addReadReport(reads, report);
}

export function addReadReport(reads: ReportedReads, report: ReadReport): void {
  if ('evaluated' in report) reads.evaluatedFiles.add(report.evaluated);
  else reads.copiedSources.set(report.to, report.copied);
}

/** `into` grows by everything `from` reports. */
export function mergeReads(into: ReportedReads, from: ReportedReads): void {
  for (const file of from.evaluatedFiles) into.evaluatedFiles.add(file);
  for (const [to, copied] of from.copiedSources) into.copiedSources.set(to, copied);
}
