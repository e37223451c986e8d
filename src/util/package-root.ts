import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed nixcheck package root (works from src/ under tsx and from dist/). */
export const PACKAGE_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('nixcheck: cannot find its package root');
    dir = parent;
  }
  return dir;
})();

export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
