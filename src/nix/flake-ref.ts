import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { InputError } from '../util/errors.js';
import { gitTopLevel } from './source-hash.js';

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
 *
 * A directory inside a git work tree becomes `git+file:` (with `?dir=` below the top), as
 * the nix CLI reads `.`: only tracked files, on every Nix. `builtins.getFlake` of a bare
 * directory reads every file on some Nix versions (2.8), so untracked files, reports
 * written into the flake among them, would change what is evaluated and the cache key.
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
  const top = gitTopLevel(dir);
  if (top === undefined) return { ref: dir, localDir: dir };
  const sub = relative(top, dir);
  return { ref: `git+file:${top}${sub ? `?dir=${encodeURIComponent(sub).replaceAll('%2F', '/')}` : ''}`, localDir: dir };
}
