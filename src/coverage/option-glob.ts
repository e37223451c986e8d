import { InputError } from '../util/errors.js';
import { parseAttrPath } from '../suite/attr-path.js';

/**
 * Globs on option paths: segments separated by dots (quote a segment that contains
 * dots), `*` and `?` within one segment, `**` for any number of segments (zero included).
 * `kernelcore.**` matches `kernelcore.security.ssh.enable`; `*.nvidia.*` matches
 * `kernelcore.nvidia.enable` only.
 */
export type OptionGlob = (path: readonly string[]) => boolean;

export function optionGlob(pattern: string): OptionGlob {
  let parsed: string[];
  try {
    parsed = parseAttrPath(pattern);
  } catch (err) {
    throw new InputError(`option glob ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  const segments = parsed.map((s) => (s === '**' ? null : segmentRegExp(s)));
  const match = (path: readonly string[], i: number, k: number): boolean => {
    if (k === segments.length) return i === path.length;
    const seg = segments[k];
    if (seg === null) {
      for (let j = i; j <= path.length; j++) if (match(path, j, k + 1)) return true;
      return false;
    }
    return i < path.length && seg!.test(path[i]!) && match(path, i + 1, k + 1);
  };
  return (path) => match(path, 0, 0);
}

function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (const ch of segment) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** True when the path passes the include globs (all when none) and no exclude glob. */
export function optionFilter(include: readonly string[] = [], exclude: readonly string[] = []): OptionGlob {
  const inc = include.map(optionGlob);
  const exc = exclude.map(optionGlob);
  return (path) => (inc.length === 0 || inc.some((g) => g(path))) && !exc.some((g) => g(path));
}
