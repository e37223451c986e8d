/** The JSON request engine.nix reads, and what it answers. Shared by the evaluator and the cache. */
import { WITH_MODULE_FILE } from './module-files.js';

/** A Nix value named as data: a local file or directory, or an attribute of a flake or of one of its inputs. */
export type NixRef = { kind: 'path'; path: string } | { kind: 'flake'; flake: string; input?: string; attrPath: string[] };

export type BaseTarget =
  | { kind: 'flake'; flake: string; attrPath: string[] }
  /** A Nix file; a function is called with `args` (default {}). */
  | { kind: 'file'; file: string; attrPath: string[]; args?: Record<string, unknown> }
  /** `lib.evalModules { modules; specialArgs; }` of the `lib` named. */
  | { kind: 'modules'; modules: NixRef[]; lib: NixRef; specialArgs: Record<string, unknown>; attrPath: [] };

/** Extra config applied with extendModules; `config: null` is the target as it is. */
export interface Variant {
  config: Record<string, unknown> | null;
  /** Module-system priority of the `with` definitions: 100 normal, 50 mkForce, 1000 mkDefault. */
  priority: number;
}

/** An attribute name, or a list index (a number; on an attribute set it names that attribute). */
export type PathSegment = string | number;

export interface EvalItem {
  variant: Variant;
  root: 'config' | 'attr';
  path: PathSegment[];
  /**
   * Also collect the module system's evidence (definitions, priority) for a config path.
   * `'full'`: also look for the definitions that lost the whole option, which costs an
   * evaluation of the target per option and level (see src/evidence/overridden.ts).
   */
  evidence: boolean | 'full';
  /** Answer only the attribute names of the value (to list hosts without evaluating them). */
  names?: boolean;
  /**
   * Collect an error's whole `--show-trace` text. Nix 2.8 reads the source around every
   * frame one byte per system call (~170 ms an error), so it is asked for only where a
   * verdict or a report needs more than the message (see src/suite/run-suites.ts).
   */
  trace?: boolean;
}

/** A definition as the engine reports it: the file the module system names, never a line. */
export interface RawDefinition {
  file: string;
  /** Its priority for the path asked about. */
  priority: number | null;
  /** How many definitions of the option the same file made at this level (for telling its lines apart). */
  definitionsInFile: number;
  /**
   * What a winning definition sets at the path, as far as it is plain data (scalars,
   * short strings, small lists and sets); `{ "_nixcheckOpaque": true }` stands for
   * anything else. Absent for losing definitions (their values are never forced).
   */
  value?: unknown;
}

/** Where a value came from, as engine.nix says. */
export const EVIDENCE_SOURCES = ['default', 'set', 'unknown'] as const;

export interface RawEvidence {
  /** The option holding the value (a sub-option of a submodule when the lib tells it). */
  option: string[];
  subPath: PathSegment[];
  isDefined: boolean;
  priority: number | null;
  /** default: only the declared default; set: definitions set it; unknown: the engine cannot tell. */
  source: (typeof EVIDENCE_SOURCES)[number];
  /** `specialArgs.modulesPath` of the target (NixOS: nixpkgs' nixos/modules), when it has one. */
  modulesPath: string | null;
  declarations: string[];
  declarationPositions: { file: string; line: number; column: number }[];
  definitions: RawDefinition[];
  /** Definitions that lost: to a higher priority on the same key, or for the whole option. */
  overridden: RawDefinition[];
  /** false: the definitions below the winners could not all be looked at; null: not looked for (evidence not `'full'`). */
  overriddenKnown: boolean | null;
}

/** Why an item has no value: its own throw, an error that ended Nix, time, or the whole target. */
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
  | {
      status: 'error';
      /** Nix's error message. */
      error: string;
      /** The whole `--show-trace` text, when the error was collected with it (see src/match/throws-text.ts). */
      trace?: string;
      reason: (typeof ERROR_REASONS)[number];
    };

export const PRIORITY = { force: 50, normal: 100, default: 1000 } as const;

/** What engine.nix reads for one target: variants are listed once and named by id. */
export interface EngineRequest {
  base: BaseTarget;
  /** Every flake the target reads (a session fetches each once and passes it in). */
  flakeRefs: string[];
  /** The file the module system names for `with:` definitions. */
  withFile: string;
  variants: (Variant & { id: string })[];
  items: { variant: string; root: 'config' | 'attr'; path: PathSegment[]; evidence: boolean | 'full'; names: boolean }[];
}

export function engineRequest(base: BaseTarget, items: readonly EvalItem[]): EngineRequest {
  const variantIds = new Map<string, string>();
  const variants: EngineRequest['variants'] = [];
  const variantId = (v: Variant) => {
    const key = JSON.stringify(v);
    let id = variantIds.get(key);
    if (!id) {
      id = `v${variants.length}`;
      variantIds.set(key, id);
      variants.push({ id, ...v });
    }
    return id;
  };
  const refs = base.kind === 'flake' ? [base.flake] : base.kind === 'modules' ? [base.lib, ...base.modules].flatMap((r) => (r.kind === 'flake' ? [r.flake] : [])) : [];
  return {
    base,
    flakeRefs: [...new Set(refs)],
    withFile: WITH_MODULE_FILE,
    variants,
    items: items.map((item) => ({ variant: variantId(item.variant), root: item.root, path: item.path, evidence: item.evidence, names: item.names ?? false })),
  };
}
