/** The JSON request engine.nix reads, and what it answers. Shared by the evaluator and the cache. */

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

export interface EvalItem {
  variant: Variant;
  root: 'config' | 'attr';
  path: string[];
  /** Also collect the module system's evidence (definitions, priority) for a config path. */
  evidence: boolean;
  /** Answer only the attribute names of the value (to list hosts without evaluating them). */
  names?: boolean;
}

export interface RawEvidence {
  option: string[];
  subPath: string[];
  isDefined: boolean;
  priority: number | null;
  source: 'default' | 'user' | 'unknown';
  declarations: string[];
  declarationPositions: { file: string; line: number; column: number }[];
  definitions: { file: string; priority: number | null }[];
  /** Definitions of the same key that lost to a higher priority (known inside attrsOf options). */
  overridden: { file: string; priority: number | null }[];
}

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
  | { status: 'error'; error: string; reason: 'throw' | 'fatal' | 'timeout' | 'target' };

export const PRIORITY = { force: 50, normal: 100, default: 1000 } as const;


/** What engine.nix reads for one target: variants are listed once and named by id. */
export interface EngineRequest {
  base: BaseTarget;
  /** Every flake the target reads (a session fetches each once and passes it in). */
  flakeRefs: string[];
  variants: (Variant & { id: string })[];
  items: { variant: string; root: 'config' | 'attr'; path: string[]; evidence: boolean; names: boolean }[];
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
    variants,
    items: items.map((item) => ({ variant: variantId(item.variant), root: item.root, path: item.path, evidence: item.evidence, names: item.names ?? false })),
  };
}
