import { dirname, relative } from 'node:path';
import type { ResolvedFlake } from '../nix/flake-ref.js';
import type { EvalTarget } from '../nix/evaluator.js';
import { AttrPathError, parseAttrPath } from '../suite/attr-path.js';
import type { TargetSpec } from '../suite/suite.js';
import { InputError } from '../util/errors.js';

export interface TargetContext {
  flake?: ResolvedFlake;
  /** nixosConfigurations, darwinConfigurations, homeConfigurations... or an attribute path (`a."b.c"`). */
  hostsAttr: string;
}

export interface ResolvedTarget {
  /** Identity of the base target: cases with the same key share one evaluation. */
  key: string;
  label: string;
  host?: string;
  evalTarget: EvalTarget;
}

export function resolveTarget(spec: TargetSpec, ctx: TargetContext): ResolvedTarget {
  if (spec.file) {
    const attrPath = spec.attr ? parseAttrPath(spec.attr) : [];
    const shown = relative(process.cwd(), spec.file);
    return {
      key: `file:${spec.file}#${attrPath.join('.')}`,
      label: `${shown}${spec.attr ? `#${spec.attr}` : ''}`,
      evalTarget: { base: { kind: 'file', file: spec.file, attrPath }, sourceDir: dirname(spec.file), sourceScope: 'files' },
    };
  }
  if (!ctx.flake) throw new InputError('a suite names a flake target but no flake is configured: pass --flake or set `flake:` in nixcheck.yaml');
  const flake = ctx.flake;
  const attrPath = spec.host !== undefined ? [...hostsAttrPath(ctx.hostsAttr), spec.host] : parseAttrPath(spec.flakeAttr!);
  return {
    key: `flake:${flake.ref}#${JSON.stringify(attrPath)}`,
    label: spec.host ?? spec.flakeAttr!,
    ...(spec.host !== undefined ? { host: spec.host } : {}),
    evalTarget: flakeEvalTarget(flake, attrPath),
  };
}

/** The attribute path of the hosts' attribute set (`nixosConfigurations`, `releaseVariants."26.05"`). */
export function hostsAttrPath(hostsAttr: string): string[] {
  try {
    return parseAttrPath(hostsAttr);
  } catch (err) {
    if (err instanceof AttrPathError) throw new InputError(`bad hosts attribute "${hostsAttr}": ${err.message}`);
    throw err;
  }
}

/**
 * An attribute of a flake as the evaluator takes it, with how Nix reads its sources:
 * `builtins.getFlake` reads a plain directory as a `path:` flake (every file, tracked or
 * not); only `git+file:` limits it to git's tracked files.
 */
export function flakeEvalTarget(flake: ResolvedFlake, attrPath: string[]): EvalTarget {
  return {
    base: { kind: 'flake', flake: flake.ref, attrPath },
    ...(flake.localDir ? { sourceDir: flake.localDir, sourceScope: flake.ref.startsWith('git+file:') ? 'nix-git' : 'path' } : {}),
  };
}

/** How the engine (common.nix, loadTarget) says a suite named a target the flake does not have. */
const NO_SUCH_TARGET = /nixcheck: (no such target: [^\n]*)/;

/** The engine's one-line account of a missing target in an evaluation error, if that is what it is. */
export function missingTarget(error: string | undefined): string | undefined {
  return error === undefined ? undefined : NO_SUCH_TARGET.exec(error)?.[1];
}
