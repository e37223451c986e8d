import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/paths.js';

const nixcheck = (...args: string[]) => execa('npx', ['tsx', 'src/cli/bin.ts', ...args], { cwd: REPO, reject: false });
const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json') && n !== 'file-hashes.json') : []);

/** Every command that evaluates takes the same cache flags as `test`. */
describe('--cache-dir and --no-cache on comply and coverage', () => {
  it.each([
    // A gate that always passes: the exit code is about the flags, not k3s-node's findings.
    ['comply', ['comply', '--host', 'k3s-node', '--format', 'json', '--today', '2026-11-24', '--fail-under', '0.001']],
    ['coverage', ['coverage', '--host', 'laptop']],
  ])('%s keeps what it evaluates in --cache-dir, and --no-cache neither reads nor writes it', async (_, command) => {
    const cache = tempDir();
    const args = [...command, '--out', tempDir()];
    const cached = await nixcheck(...args, '--cache-dir', cache);
    expect(cached.exitCode, cached.stderr).toBe(0);
    expect(entries(cache).length).toBeGreaterThan(0);

    const unused = join(tempDir(), 'unused');
    const uncached = await nixcheck(...args, '--cache-dir', unused, '--no-cache');
    expect(uncached.exitCode, uncached.stderr).toBe(0);
    expect(uncached.stdout).toBe(cached.stdout);
    expect(existsSync(unused)).toBe(false);
  });
});
