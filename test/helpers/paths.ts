import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const ENGINE_FLAKE = `path:${join(REPO, 'test', 'fixtures', 'engine')}`;
export const OFFLINE_FLAKE = join(REPO, 'fixtures', 'offline');

export function tempDir(prefix = 'nixcheck-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
