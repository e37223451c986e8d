/** The JSON request engine.nix reads, and what it answers. Shared by the evaluator and the cache. */

export type BaseTarget =
  | { kind: 'flake'; flake: string; attrPath: string[] }
  | { kind: 'file'; file: string; attrPath: string[] };

/** Extra config applied with extendModules; `config: null` is the target as it is. */
export interface Variant {
  config: Record<string, unknown> | null;
  /** Module-system priority of the `with` definitions: 100 normal, 50 mkForce, 1000 mkDefault. */
  priority: number;
}

export interface EvalItem {
  variant: Variant;
  root: 'config' | 'attr';
  path: string[];
  /** Also collect the module system's evidence (definitions, priority) for a config path. */
  evidence: boolean;
  /** Answer only the attribute names of the value (to list hosts without evaluating them). */
  names?: boolean;
}

/** Where a value came from, as engine.nix says. */
export const EVIDENCE_SOURCES = ['default', 'user', 'unknown'] as const;

export interface RawEvidence {
  option: string[];
  subPath: string[];
  isDefined: boolean;
  priority: number | null;
  source: (typeof EVIDENCE_SOURCES)[number];
  declarations: string[];
  declarationPositions: { file: string; line: number; column: number }[];
  definitions: { file: string; priority: number | null }[];
  /** Definitions of the same key that lost to a higher priority (known inside attrsOf options). */
  overridden: { file: string; priority: number | null }[];
}

/** Why an item has no value: its own error, one that ended Nix, the time limit, or a target that does not load. */
export const ERROR_REASONS = ['throw', 'fatal', 'timeout', 'target'] as const;

export type ItemOutcome =
  | {
      status: 'value';
      exists: boolean;
      value: unknown;
      type: string | null;
      evidence: RawEvidence | null;
      /** For config paths of a module-system result: is an option declared along the path? */
      declared: boolean | null;
    }
  | { status: 'error'; error: string; reason: (typeof ERROR_REASONS)[number] };

export const PRIORITY = { force: 50, normal: 100, default: 1000 } as const;

