import { dirname, relative } from 'node:path';
import type { ResolvedFlake } from '../nix/flake-ref.js';
import type { EvalTarget } from '../nix/evaluator.js';
import { parseAttrPath } from '../suite/attr-path.js';
import type { TargetSpec } from '../suite/suite.js';
import { InputError } from '../util/errors.js';

export interface TargetContext {
  flake?: ResolvedFlake;
  /** nixosConfigurations, darwinConfigurations, homeConfigurations... */
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
  const attrPath = spec.host !== undefined ? [ctx.hostsAttr, spec.host] : parseAttrPath(spec.flakeAttr!);
  return {
    key: `flake:${flake.ref}#${JSON.stringify(attrPath)}`,
    label: spec.host ?? spec.flakeAttr!,
    ...(spec.host !== undefined ? { host: spec.host } : {}),
    evalTarget: flakeEvalTarget(flake, attrPath),
  };
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
