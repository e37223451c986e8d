import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { tempDir } from '../helpers/paths.js';

describe('nixcheck.yaml', () => {
  it('a flake: directory without flake.nix is an error at its line, not a --flake error', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'nixcheck.yaml'), 'jobs: 2\nflake: ./nowhere\n');
    await expect(loadConfig(undefined, dir)).rejects.toThrow(/nixcheck\.yaml:2:8: flake: no flake\.nix in .*\/nowhere/);
  });

  it('a timeout above one day is refused at its line', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'nixcheck.yaml'), 'timeout: 2147484\n');
    await expect(loadConfig(undefined, dir)).rejects.toThrow(/nixcheck\.yaml:1:10: "timeout" must be <= 86400/);
  });
});
