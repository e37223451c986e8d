import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/paths.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Children and temporary paths are started only through src/process, which registers them
 * so a signal ends and removes them all: a new spawn site cannot forget to.
 */
describe('process and temp-file sites', () => {
  const files = sources(join(REPO, 'src')).map((f) => ({ file: relative(REPO, f), text: readFileSync(f, 'utf8') }));
  const outside = files.filter((f) => !f.file.startsWith('src/process/'));

  it('nothing outside src/process spawns processes', () => {
    // git ls-files/status: milliseconds, in nixcheck's own process group (no group of its own to end).
    const shortLived = ['src/nix/source-hash.ts'];
    const spawning = outside.filter((f) => /from 'execa'|node:child_process/.test(f.text)).map((f) => f.file);
    expect(spawning.filter((f) => !shortLived.includes(f))).toEqual([]);
  });

  it('nothing outside src/process makes temporary directories', () => {
    expect(outside.filter((f) => /\bmkdtemp\b|\btmpdir\(\)/.test(f.text)).map((f) => f.file)).toEqual([]);
  });
});
