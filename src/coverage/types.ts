/** Option coverage: which of the user's declared options some check reads. See docs/coverage.md. */

/** One path a check reads from the evaluated config, and who reads it. */
export interface CoverageRead {
  /** A config path (`['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict']`). */
  path: string[];
  by: 'suite' | 'control';
  /** `suites/unit/laptop.yaml:12`, `compliance/controls/access.yaml:40`. */
  where: string;
  /** Optional label for reports: the case name or the control id. */
  label?: string;
}

export type HitKind = 'direct' | 'prefix';

export interface CoverageSummary {
  /** Declared options counted. */
  options: number;
  /** Options read directly or through a prefix. */
  covered: number;
  /** Options with at least one direct read. */
  direct: number;
  /** Options covered only through prefix reads. */
  prefixOnly: number;
  /** covered / options in percent (two decimals); null when no option was counted. */
  percent: number | null;
}

export interface OptionHit {
  by: CoverageRead['by'];
  where: string;
  label?: string;
  /** The read path, written as an attribute path. */
  path: string;
  kind: HitKind;
}

export interface CoverageOption {
  /** The option path as the NixOS manual writes it (`kernelcore.security.ssh.enable`, `lab.machines.<name>.vcpus`). */
  option: string;
  loc: string[];
  /** Declared inside a submodule type: `<name>` (attrsOf) or `*` (listOf) stand for any key or element. */
  subOption: boolean;
  /** The declaration has a description. */
  description: boolean;
  /** The declaration has an example. */
  example: boolean;
  /** The declaring file relative to the working directory (or as Nix reports it when not local). */
  file: string;
  /** 1-based declaration line; null when it is unknown. */
  line: number | null;
  lineUnknown: boolean;
  /** Where the line came from. */
  lineSource: 'declarationPositions' | 'search' | 'unknown';
  /** The first two segments: `kernelcore.security.*`. */
  namespace: string;
  /** Labels of the targets whose inventory has this option. */
  targets: string[];
  /** Reads at or below the option. */
  direct: number;
  /** Reads of a path above the option (a prefix of it). */
  prefix: number;
  /** direct + prefix: the hit count in lcov and Cobertura. */
  hits: number;
  covered: boolean;
  coveredBy: HitKind | null;
  reads: OptionHit[];
}

export interface FileCoverage extends CoverageSummary {
  file: string;
  /** Uncovered options, in declaration order. */
  uncovered: string[];
}

export interface NamespaceCoverage extends CoverageSummary {
  namespace: string;
  uncovered: string[];
}

/** Documentation coverage of a group of counted options. */
export interface DocumentationSummary {
  options: number;
  /** Options with a (non-empty) description. */
  described: number;
  /** Options with an example. */
  withExample: number;
  /** described / options in percent (two decimals); null when no option was counted. */
  percent: number | null;
  /** withExample / options in percent; null when no option was counted. */
  examplePercent: number | null;
}

export interface DocumentationCoverage {
  totals: DocumentationSummary;
  /** Per module file, in the order of `files`. */
  files: (DocumentationSummary & { file: string; undescribed: string[]; withoutExample: string[] })[];
  /** Counted options without a description. */
  undescribed: string[];
  /** Counted options without an example. */
  withoutExample: string[];
}

/** A value the user's files define that no check reads. */
export interface UnreadDefinition {
  option: string;
  loc: string[];
  /** Whether the option itself is declared by the user's modules (otherwise e.g. by NixOS). */
  declaredByUser: boolean;
  targets: string[];
  definitions: { file: string; line: number | null }[];
}

export interface CoverageTarget {
  label: string;
  key: string;
  /** Options of this target that the user's files declare or define. */
  options: number;
  /** Options skipped because their evaluation (files, or the options inside their type) ended Nix. */
  problems: { option: string; part: 'files' | 'sub-options'; reason: string; error: string }[];
}

export interface CoverageReport {
  version: 1;
  generatedAt: string;
  include: string[];
  exclude: string[];
  targets: CoverageTarget[];
  totals: CoverageSummary;
  files: FileCoverage[];
  namespaces: NamespaceCoverage[];
  documentation: DocumentationCoverage;
  options: CoverageOption[];
  unreadDefinitions: UnreadDefinition[];
  reads: {
    /** Distinct reads (by, where, path) after removing duplicates from multi-target cases. */
    total: number;
    /** Reads that cover at least one declared option or user definition. */
    matched: number;
  };
  /** Options whose declaration line is unknown (lcov gets `FN:0` and no DA line; Cobertura a method without lines). */
  lineUnknown: number;
}

export interface GateResult {
  pass: boolean;
  percent: number | null;
  minCoverage: number;
  message: string;
}
