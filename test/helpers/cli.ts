import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { REPO } from './paths.js';

const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** The CLI as its own node process (no npx in between, so signals reach nixcheck itself). */
export function nixcheckProcess(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): ResultPromise<{ reject: false; cwd: string; env?: Record<string, string> }> {
  return execa(process.execPath, ['--import', TSX, join(REPO, 'src', 'cli', 'bin.ts'), ...args], {
    cwd: options.cwd ?? REPO,
    reject: false,
    ...(options.env ? { env: options.env } : {}),
  });
}
