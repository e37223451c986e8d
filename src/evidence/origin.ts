/**
 * Whose a definition is, from the file the module system names for it. Only files that
 * are positively upstream count as upstream: under the target's `modulesPath` (NixOS:
 * nixpkgs' nixos/modules) or matching an `upstream:` glob. A store path that maps to no
 * local file is not enough: it may be a flake input, or the user's own code.
 */
import { WITH_MODULE_FILE } from '../nix/request.js';
import type { DefinitionOrigin } from '../result/model.js';
import type { SourceLocator } from './source-locator.js';

/** What the module system names as the file of a module listed inline (not a path). */
export const INLINE_MODULE_FILE = '<unknown-file>';

export interface Origin {
  origin: DefinitionOrigin;
  /** The file in the user's checkout, when it maps back. */
  local?: string;
}

export function definitionOrigin(file: string, modulesPath: string | null, locator: SourceLocator): Origin {
  if (file === WITH_MODULE_FILE) return { origin: 'with' };
  if (file === INLINE_MODULE_FILE) return { origin: 'inline' };
  const local = locator.toLocal(file);
  if (modulesPath && isUnder(file, modulesPath)) return { origin: 'upstream', ...(local ? { local } : {}) };
  if (!local) return { origin: 'external' };
  return { origin: locator.isUpstream(local) ? 'upstream' : 'user', local };
}

function isUnder(file: string, dir: string): boolean {
  return file.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}
