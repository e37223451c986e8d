import { dirname, isAbsolute, relative } from 'node:path';
import type { ResolvedFlake } from '../nix/flake-ref.js';
import type { EvalTarget } from '../nix/evaluator.js';
import type { BaseTarget } from '../nix/request.js';
import { parseAttrPath } from '../suite/attr-path.js';
import type { TargetSpec } from '../suite/suite.js';
import { InputError } from '../util/errors.js';
import { DEFAULT_LIB, resolveRef } from './nix-ref.js';

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
    const base: BaseTarget = { kind: 'file', file: spec.file, attrPath, ...(spec.args ? { args: spec.args } : {}) };
    return {
      key: `file:${JSON.stringify(base)}`,
      label: `${shown}${spec.attr ? `#${spec.attr}` : ''}${spec.args ? ` ${JSON.stringify(spec.args)}` : ''}`,
      evalTarget: { base, sourceDir: dirname(spec.file), sourceScope: 'files' },
    };
  }
  if (spec.modules) return modulesTarget(spec.modules, spec, ctx);
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
 * `lib.evalModules` over the modules. Cached by the files of the suite's source tree (its
 * git work tree, else its directory), which must then hold every local module, the lib
 * and the flake they come from; a target that reads anything else is not cached.
 */
function modulesTarget(modules: string[], spec: TargetSpec, ctx: TargetContext): ResolvedTarget {
  const refs = modules.map((m) => resolveRef(m, ctx.flake));
  const lib = resolveRef(spec.lib ?? DEFAULT_LIB, ctx.flake);
  const base: BaseTarget = { kind: 'modules', modules: refs.map((r) => r.ref), lib: lib.ref, specialArgs: spec.specialArgs ?? {}, attrPath: [] };
  const reads = [...refs, lib].map((r) => r.localPath);
  const shown = modules.map((m) => (isAbsolute(m) ? relative(process.cwd(), m) : m)).join(' + ');
  return {
    key: `modules:${JSON.stringify(base)}`,
    label: `${shown}${spec.specialArgs ? ` ${JSON.stringify(spec.specialArgs)}` : ''}`,
    evalTarget: {
      base,
      ...(spec.suiteDir && reads.every((r) => r !== undefined) ? { sourceDir: spec.suiteDir, sourceScope: 'files' as const, reads: reads as string[] } : {}),
    },
  };
}

/** An attribute of a flake as the evaluator takes it, with how Nix reads its sources. */
export function flakeEvalTarget(flake: ResolvedFlake, attrPath: string[]): EvalTarget {
  return {
    base: { kind: 'flake', flake: flake.ref, attrPath },
    ...(flake.localDir ? { sourceDir: flake.localDir, sourceScope: flake.ref.startsWith('path:') ? 'path' : 'nix-git' } : {}),
  };
}
