import { readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

/** A small glob (`*`, `?`, `**`) over files: Node 20 has no fs.glob. */
export async function globFiles(pattern: string, cwd: string): Promise<string[]> {
  const absolute = resolve(cwd, pattern);
  const segments = absolute.split(sep);
  const firstMagic = segments.findIndex((s) => /[*?[]/.test(s));
  if (firstMagic < 0) return [absolute];
  const root = segments.slice(0, firstMagic).join(sep) || sep;
  const regex = globToRegExp(segments.slice(firstMagic).join('/'));
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (regex.test(relative(root, path).split(sep).join('/'))) out.push(path);
    }
  };
  await walk(root);
  return out.sort();
}

/** `*` within a segment, `**` across segments, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(globPattern(glob));
}

/** The anchored regular expression of a glob, as source text. */
export function globPattern(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return `^${re}$`;
}
