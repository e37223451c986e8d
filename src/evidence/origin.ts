/**
 * Whose a definition is, from the file the module system names for it. Only files that
 * are positively upstream count as upstream: under the target's `modulesPath` (NixOS:
 * nixpkgs' nixos/modules), matching an `upstream:` glob, or the module system's own
 * module. A store path that maps to no local file is not enough: it may be a flake
 * input, or the user's own code. A name that is not a path belongs to a module written
 * inline (the module system's `<unknown-file>`, or the module's own `_file` label).
 */
import { isInlineModule, MODULE_SYSTEM_FILE, WITH_MODULE_FILE } from '../nix/module-files.js';
import type { DefinitionOrigin } from '../result/model.js';
import type { SourceLocator } from './source-locator.js';

export interface Origin {
  origin: DefinitionOrigin;
  /** The file in the user's checkout, when it maps back. */
  local?: string;
}

export function definitionOrigin(file: string, modulesPath: string | null, locator: SourceLocator): Origin {
  if (file === WITH_MODULE_FILE) return { origin: 'with' };
  if (file === MODULE_SYSTEM_FILE) return { origin: 'upstream' };
  if (isInlineModule(file)) return { origin: 'inline' };
  const local = locator.toLocal(file);
  if (modulesPath && isUnder(file, modulesPath)) return { origin: 'upstream', ...(local ? { local } : {}) };
  if (!local) return { origin: 'external' };
  return { origin: locator.isUpstream(local) ? 'upstream' : 'user', local };
}

function isUnder(file: string, dir: string): boolean {
  return file.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}
