import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../util/errors.js';

export interface ResolvedFlake {
  /** What builtins.getFlake receives. */
  ref: string;
  /** The local directory, when the flake is on this machine (cacheable, maps store paths back). */
  localDir?: string;
}

const LOCAL_SCHEMES = /^(path|git\+file):(\/\/)?/;

/**
 * A flake reference as a user writes it: a directory (`.`, `/etc/nixos`) or a flake URL
 * (`github:me/config`, `git+file:///srv/cfg`, `path:./x`).
 */
export function resolveFlake(input: string, baseDir: string): ResolvedFlake {
  const local = LOCAL_SCHEMES.exec(input);
  if (local) {
    const rest = input.slice(local[0].length);
    const [pathPart, query] = rest.split('?', 2) as [string, string | undefined];
    const dir = resolve(baseDir, pathPart);
    const scheme = input.slice(0, input.indexOf(':'));
    return { ref: `${scheme}:${dir}${query ? `?${query}` : ''}`, localDir: dir };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(input)) return { ref: input };
  const dir = resolve(baseDir, input);
  if (!existsSync(resolve(dir, 'flake.nix'))) {
    throw new InputError(`no flake.nix in ${dir} (from --flake ${JSON.stringify(input)})`);
  }
  return { ref: dir, localDir: dir };
}
