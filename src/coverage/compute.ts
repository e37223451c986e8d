import { attributeName, bestLine } from '../evidence/line-search.js';
import { inlineModuleLabel, isInlineModule } from '../nix/module-files.js';
import { readFile } from 'node:fs/promises';
import type { SourceLocator } from '../evidence/source-locator.js';
import { declarationFile, type InventoryOption, type OptionInventory } from '../nix/option-inventory.js';
import { formatAttrPath } from '../suite/attr-path.js';
import { optionFilter } from './option-glob.js';
import type {
  CoverageOption,
  CoverageRead,
  CoverageReport,
  CoverageSummary,
  DocumentationCoverage,
  DocumentationSummary,
  FileCoverage,
  HitKind,
  NamespaceCoverage,
  OptionHit,
  UnreadDefinition,
} from './types.js';

export interface ComputeCoverageInput {
  /** One inventory per target (src/nix/option-inventory.ts collectOptionInventory). */
  inventories: readonly OptionInventory[];
  /** What suites and controls read (readsFromSuites, readsFromControls). */
  reads: readonly CoverageRead[];
  /** Option path globs (`kernelcore.**`): only these declared options count. Default: all. */
  include?: readonly string[];
  /** Option path globs left out of the declared options and of the unread definitions. */
  exclude?: readonly string[];
  /** Maps store paths to local files (for report paths and line search). */
  locator: SourceLocator;
  /** Timestamp written into reports (default: now). */
  now?: Date;
}

const STORE_SOURCE = /^\/nix\/store\/[0-9a-z]{32}-[^/]+\//;

const PLACEHOLDER = /^(<.*>|\*)$/;

/** An option path as the NixOS manual writes it: submodule placeholders (`<name>`, `*`) bare. */
export function optionName(loc: readonly string[]): string {
  return loc.map((s) => (PLACEHOLDER.test(s) ? s : formatAttrPath([s]))).join('.');
}

/**
 * How a read relates to an option: `direct` when the read path is the option's path or
 * goes below it (`boot.kernel.sysctl."x"` reads `boot.kernel.sysctl`), `prefix` when the
 * read is above the option (`kernelcore.security` reads every option under it).
 * Option segments `<name>` and `*` (submodule placeholders) match any segment.
 */
export function hitKind(read: readonly string[], option: readonly string[]): HitKind | undefined {
  const n = Math.min(read.length, option.length);
  if (n === 0) return undefined;
  for (let i = 0; i < n; i++) {
    const o = option[i]!;
    if (o !== read[i] && !PLACEHOLDER.test(o)) return undefined;
  }
  return read.length >= option.length ? 'direct' : 'prefix';
}

export async function computeCoverage(input: ComputeCoverageInput): Promise<CoverageReport> {
  const { locator } = input;
  const include = [...(input.include ?? [])];
  const exclude = [...(input.exclude ?? [])];
  const counted = optionFilter(include, exclude);
  const notExcluded = optionFilter([], exclude);
  const reads = dedupeReads(input.reads);
  const matchedReads = new Set<number>();

  const shown = (file: string): { display: string; local?: string } => {
    if (isInlineModule(file)) return { display: inlineModuleLabel(file) };
    const clean = declarationFile(file);
    const local = locator.toLocal(clean);
    if (local) return { display: locator.display(local), local };
    return { display: clean.replace(STORE_SOURCE, '') };
  };

  // --- declared options -------------------------------------------------------------
  interface Pending {
    loc: string[];
    option: InventoryOption;
    file: string;
    targets: Set<string>;
  }
  const declared = new Map<string, Pending>();
  for (const inventory of input.inventories) {
    for (const option of inventory.options) {
      if (option.userDeclarations.length === 0 || !counted(option.loc)) continue;
      const file = declarationFile(option.userDeclarations[0]!);
      const key = JSON.stringify([option.loc, shown(file).display]);
      const entry = declared.get(key) ?? { loc: option.loc, option, file, targets: new Set<string>() };
      entry.targets.add(inventory.target);
      declared.set(key, entry);
    }
  }

  const options: CoverageOption[] = [];
  for (const entry of declared.values()) {
    const { display, local } = shown(entry.file);
    const position = entry.option.declarationPositions?.find((p) => declarationFile(p.file) === entry.file);
    let line: number | null = position && position.line > 0 ? position.line : null;
    let lineSource: CoverageOption['lineSource'] = line !== null ? 'declarationPositions' : 'unknown';
    if (line === null && local) {
      const found = await findDeclarationLine(local, entry.loc);
      if (found !== undefined) {
        line = found;
        lineSource = 'search';
      }
    }
    const hits: OptionHit[] = [];
    reads.forEach((read, index) => {
      const kind = hitKind(read.path, entry.loc);
      if (!kind) return;
      matchedReads.add(index);
      hits.push({ by: read.by, where: read.where, ...(read.label !== undefined ? { label: read.label } : {}), path: optionName(read.path), kind });
    });
    const direct = hits.filter((h) => h.kind === 'direct').length;
    const prefix = hits.length - direct;
    options.push({
      option: optionName(entry.loc),
      loc: entry.loc,
      subOption: entry.option.subOption,
      description: entry.option.description,
      example: entry.option.example,
      file: display,
      line,
      lineUnknown: line === null,
      lineSource,
      namespace: namespaceOf(entry.loc),
      targets: [...entry.targets].sort(),
      direct,
      prefix,
      hits: hits.length,
      covered: hits.length > 0,
      coveredBy: direct > 0 ? 'direct' : prefix > 0 ? 'prefix' : null,
      reads: hits,
    });
  }
  options.sort((a, b) => cmp(a.file, b.file) || (a.line ?? Infinity) - (b.line ?? Infinity) || cmp(a.option, b.option));

  // --- values the user's files define that no check reads ---------------------------
  const definitions = new Map<string, { loc: string[]; declaredByUser: boolean; targets: Set<string>; files: Set<string> }>();
  for (const inventory of input.inventories) {
    for (const option of inventory.options) {
      if (!notExcluded(option.loc)) continue;
      const defining = userDefinitionFiles(option);
      if (defining.length === 0) continue;
      const key = JSON.stringify(option.loc);
      const entry = definitions.get(key) ?? { loc: option.loc, declaredByUser: false, targets: new Set<string>(), files: new Set<string>() };
      entry.declaredByUser ||= option.userDeclarations.length > 0;
      entry.targets.add(inventory.target);
      for (const f of defining) entry.files.add(f);
      definitions.set(key, entry);
    }
  }
  const unreadDefinitions: UnreadDefinition[] = [];
  for (const entry of definitions.values()) {
    let read = false;
    reads.forEach((r, index) => {
      if (hitKind(r.path, entry.loc)) {
        read = true;
        matchedReads.add(index);
      }
    });
    if (read) continue;
    const defs: UnreadDefinition['definitions'] = [];
    for (const file of [...entry.files].sort()) {
      const { display, local } = shown(file);
      const line = local ? await locator.findDefinitionLine(local, entry.loc) : undefined;
      defs.push({ file: display, line: line ?? null });
    }
    unreadDefinitions.push({
      option: optionName(entry.loc),
      loc: entry.loc,
      declaredByUser: entry.declaredByUser,
      targets: [...entry.targets].sort(),
      definitions: defs,
    });
  }
  unreadDefinitions.sort((a, b) => cmp(a.option, b.option));

  // --- aggregates -------------------------------------------------------------------
  const byFile = groupBy(options, (o) => o.file);
  const files: FileCoverage[] = [...byFile.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([file, list]) => ({ file, ...summarize(list), uncovered: list.filter((o) => !o.covered).map((o) => o.option) }));
  const byNamespace = groupBy(options, (o) => o.namespace);
  const namespaces: NamespaceCoverage[] = [...byNamespace.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([namespace, list]) => ({
      namespace,
      ...summarize(list),
      uncovered: [...list].sort((a, b) => cmp(a.option, b.option)).filter((o) => !o.covered).map((o) => o.option),
    }));

  return {
    version: 1,
    generatedAt: (input.now ?? new Date()).toISOString(),
    include,
    exclude,
    targets: input.inventories.map((inv) => ({
      label: inv.target,
      key: inv.key,
      options: inv.options.length,
      problems: inv.problems.map((p) => ({ option: optionName(p.option), part: p.part, reason: p.reason, error: p.error })),
    })),
    totals: summarize(options),
    files,
    namespaces,
    documentation: documentationCoverage(options, files.map((f) => f.file)),
    options,
    unreadDefinitions,
    reads: { total: reads.length, matched: matchedReads.size },
    lineUnknown: options.filter((o) => o.lineUnknown).length,
  };
}

/**
 * The user's files that define a value for the option, the option's own default left
 * out: with priority 1500 (mkOptionDefault) the module system lists the declaring file
 * although nobody set the option.
 */
function userDefinitionFiles(option: InventoryOption): string[] {
  if (!option.filesKnown || option.userFiles.length === 0) return [];
  if (option.highestPrio !== null) return option.highestPrio < 1500 ? option.userFiles : [];
  return option.userFiles.filter((f) => !option.declarations.includes(f));
}

function dedupeReads(reads: readonly CoverageRead[]): CoverageRead[] {
  const seen = new Set<string>();
  const out: CoverageRead[] = [];
  for (const r of reads) {
    if (r.path.length === 0) continue;
    const key = JSON.stringify([r.by, r.where, r.path]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

export function namespaceOf(loc: readonly string[]): string {
  return loc.length <= 2 ? formatAttrPath(loc.slice(0, 1)) + (loc.length > 1 ? '.*' : '') : `${formatAttrPath(loc.slice(0, 2))}.*`;
}

export function summarize(options: readonly CoverageOption[]): CoverageSummary {
  const covered = options.filter((o) => o.covered).length;
  const direct = options.filter((o) => o.direct > 0).length;
  return {
    options: options.length,
    covered,
    direct,
    prefixOnly: covered - direct,
    percent: options.length === 0 ? null : Math.round((covered / options.length) * 10000) / 100,
  };
}

/** Which counted options have a description, and which an example (see docs/coverage.md). */
export function summarizeDocumentation(options: readonly CoverageOption[]): DocumentationSummary {
  const described = options.filter((o) => o.description).length;
  const withExample = options.filter((o) => o.example).length;
  const percent = (n: number) => (options.length === 0 ? null : Math.round((n / options.length) * 10000) / 100);
  return { options: options.length, described, withExample, percent: percent(described), examplePercent: percent(withExample) };
}

function documentationCoverage(options: readonly CoverageOption[], fileOrder: readonly string[]): DocumentationCoverage {
  const names = (list: readonly CoverageOption[], has: (o: CoverageOption) => boolean) => list.filter((o) => !has(o)).map((o) => o.option);
  const byFile = groupBy(options, (o) => o.file);
  return {
    totals: summarizeDocumentation(options),
    files: fileOrder.map((file) => {
      const list = byFile.get(file) ?? [];
      return { file, ...summarizeDocumentation(list), undescribed: names(list, (o) => o.description), withoutExample: names(list, (o) => o.example) };
    }),
    undescribed: names(options, (o) => o.description),
    withoutExample: names(options, (o) => o.example),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const DECLARATORS = '(?:mkOption|mkEnableOption|mkPackageOption|mkPackageOptionMD|mkSinkUndeclaredOptions)';

/**
 * The line that declares `loc` in `file`, for module systems without declarationPositions:
 * the option's last segment as an attribute name followed by `mkOption`/`mkEnableOption`
 * (on the same or the next line), preferring lines that also spell out more of the path
 * before it (`prime.offload = lib.mkOption`).
 */
export async function findDeclarationLine(file: string, loc: readonly string[]): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(file, 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const last = loc[loc.length - 1];
  if (last === undefined) return undefined;
  const name = attributeName(last);
  const sameLine = new RegExp(`(^|[\\s.{;(])${name}\\s*=\\s*(?:\\(?\\s*(?:lib\\.)?(?:options\\.)?)${DECLARATORS}\\b`);
  const splitLine = new RegExp(`(^|[\\s.{;(])${name}\\s*=\\s*$`);
  const nextLine = new RegExp(`^\\s*\\(?\\s*(?:lib\\.)?(?:options\\.)?${DECLARATORS}\\b`);
  return bestLine(lines, loc, (text, i) => sameLine.test(text) || (splitLine.test(text) && nextLine.test(lines[i + 1] ?? '')));
}
