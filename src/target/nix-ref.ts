import { isAbsolute, resolve } from 'node:path';
import { resolveFlake, type ResolvedFlake } from '../nix/flake-ref.js';
import type { NixRef } from '../nix/request.js';
import { parseAttrPath } from '../suite/attr-path.js';
import { InputError } from '../util/errors.js';

/**
 * A Nix value a suite names in `lib:` or `modules:`:
 * - a file or directory relative to the suite: `./my-module.nix`, `../lib`, `/abs/x.nix`;
 * - `self#ATTR`: an attribute of the configured flake (`self#nixosModules.ssh`);
 * - `INPUT#ATTR`: an attribute of one of the configured flake's inputs (`nixpkgs#lib`),
 *   as locked by its flake.lock;
 * - `REF#ATTR` where REF has a scheme: any flake (`github:nix-community/nixpkgs.lib#lib`,
 *   `path:../lib-flake#lib`).
 */

/** The `lib:` of an evalModules target that names none: the flake's own nixpkgs. */
export const DEFAULT_LIB = 'nixpkgs#lib';

const INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

function isPath(text: string): boolean {
  return text === '.' || text === '..' || text.startsWith('./') || text.startsWith('../') || isAbsolute(text);
}

/**
 * At load time: paths and local flake references made absolute against the suite's
 * directory, everything else checked. Throws an Error saying what was expected.
 */
export function normalizeRef(text: string, suiteDir: string): string {
  if (isPath(text)) return resolve(suiteDir, text);
  const hash = text.indexOf('#');
  if (hash <= 0 || hash === text.length - 1) {
    throw new Error(`${JSON.stringify(text)} is neither a path (./module.nix, ../lib) nor FLAKE#ATTR (nixpkgs#lib, self#nixosModules.name)`);
  }
  const [source, attr] = [text.slice(0, hash), text.slice(hash + 1)];
  parseAttrPath(attr);
  if (INPUT_NAME.test(source)) return text;
  if (!source.includes(':')) throw new Error(`${JSON.stringify(source)} in ${JSON.stringify(text)} is neither \`self\`, a flake input name, nor a flake reference with a scheme (github:..., path:...)`);
  return `${resolveFlake(source, suiteDir).ref}#${attr}`;
}

export interface ResolvedRef {
  ref: NixRef;
  /** The flake it is an attribute of (the configured flake for `self` and inputs). */
  flake?: ResolvedFlake;
}

/** At planning time: `self` and inputs refer to the configured flake. */
export function resolveRef(normalized: string, flake: ResolvedFlake | undefined): ResolvedRef {
  if (isAbsolute(normalized)) return { ref: { kind: 'path', path: normalized } };
  const hash = normalized.indexOf('#');
  const [source, attrPath] = [normalized.slice(0, hash), parseAttrPath(normalized.slice(hash + 1))];
  if (INPUT_NAME.test(source)) {
    if (!flake) {
      const what = source === 'self' ? 'the configured flake' : `an input of the configured flake`;
      throw new InputError(`${normalized} names ${what}, but no flake is configured: pass --flake, set \`flake:\` in nixcheck.yaml, or give \`lib:\` as a path`);
    }
    return { ref: { kind: 'flake', flake: flake.ref, ...(source === 'self' ? {} : { input: source }), attrPath }, flake };
  }
  const resolved = resolveFlake(source, '/');
  return { ref: { kind: 'flake', flake: resolved.ref, attrPath }, flake: resolved };
}
