import { dirname, isAbsolute, relative } from 'node:path';
import type { ResolvedFlake } from '../nix/flake-ref.js';
import type { EvalTarget } from '../nix/evaluator.js';
import type { BaseTarget } from '../nix/request.js';
import { AttrPathError, parseAttrPath } from '../suite/attr-path.js';
import type { TargetSpec } from '../suite/suite.js';
import { InputError } from '../util/errors.js';
import { DEFAULT_LIB, resolveRef } from './nix-ref.js';

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
 * `lib.evalModules` over the modules. The cache covers what Nix reports reading (the
 * modules and lib given as paths) and, when they come from a local flake, that flake's
 * files, as for a flake target; modules from a remote flake or from several flakes are
 * not cached.
 */
function modulesTarget(modules: string[], spec: TargetSpec, ctx: TargetContext): ResolvedTarget {
  const refs = modules.map((m) => resolveRef(m, ctx.flake));
  const lib = resolveRef(spec.lib ?? DEFAULT_LIB, ctx.flake);
  const base: BaseTarget = { kind: 'modules', modules: refs.map((r) => r.ref), lib: lib.ref, specialArgs: spec.specialArgs ?? {}, attrPath: [] };
  const flakes = new Map([...refs, lib].flatMap((r) => (r.flake ? [[r.flake.ref, r.flake] as const] : [])));
  const shown = modules.map((m) => (isAbsolute(m) ? relative(process.cwd(), m) : m)).join(' + ');
  return {
    key: `modules:${JSON.stringify(base)}`,
    label: `${shown}${spec.specialArgs ? ` ${JSON.stringify(spec.specialArgs)}` : ''}`,
    evalTarget: { base, ...modulesSources([...flakes.values()], spec.suiteDir) },
  };
}

type TargetSources = Omit<EvalTarget, 'base'>;

function modulesSources(flakes: ResolvedFlake[], suiteDir: string | undefined): TargetSources {
  if (flakes.length === 0) return suiteDir ? { sourceDir: suiteDir, sourceScope: 'files' } : {};
  return flakes.length === 1 ? flakeSources(flakes[0]!) : {};
}

/** An attribute of a flake as the evaluator takes it. */
export function flakeEvalTarget(flake: ResolvedFlake, attrPath: string[]): EvalTarget {
  return { base: { kind: 'flake', flake: flake.ref, attrPath }, ...flakeSources(flake) };
}

/**
 * How Nix reads a flake's sources: `builtins.getFlake` reads a plain directory as a
 * `path:` flake (every file, tracked or not); only `git+file:` limits it to git's tracked
 * files. A remote flake has none here (it is not cached).
 */
function flakeSources(flake: ResolvedFlake): TargetSources {
  return flake.localDir ? { sourceDir: flake.localDir, sourceScope: flake.ref.startsWith('git+file:') ? 'nix-git' : 'path' } : {};
}

/** How the engine (common.nix, loadTarget) says a suite named a target the flake does not have. */
const NO_SUCH_TARGET = /nixcheck: (no such target: [^\n]*)/;

/** The engine's one-line account of a missing target in an evaluation error, if that is what it is. */
export function missingTarget(error: string | undefined): string | undefined {
  return error === undefined ? undefined : NO_SUCH_TARGET.exec(error)?.[1];
}
