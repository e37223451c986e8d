import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/paths.js';

describe('packaging', () => {
  it('flake.nix parses and offers packages, apps and devShells built from package-lock.json', async () => {
    const r = await execa('nix-instantiate', ['--parse', join(REPO, 'flake.nix')], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const flake = readFileSync(join(REPO, 'flake.nix'), 'utf8');
    for (const part of ['packages = forAllSystems', 'apps = forAllSystems', 'devShells = forAllSystems', 'importNpmLock', 'buildNpmPackage']) expect(flake).toContain(part);
  });

  it('the published files include what the CLI reads at run time', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    // engine.nix and friends (src/nix), schemas, the catalogue, the init recipe
    for (const dir of ['src', 'schemas', 'compliance', 'recipes', 'dist', 'bin']) expect(pkg.files).toContain(dir);
    expect(pkg.bin.nixcheck).toBe('bin/nixcheck.js');
    expect(readFileSync(join(REPO, pkg.bin.nixcheck), 'utf8')).toContain('../dist/cli/bin.js');
    expect(pkg.engines.node).toBe('>=20');
  });
});
