import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/paths.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

interface StubPackage {
  pname: string;
  version: string;
  src: string;
  npmDeps: { stub: string; npmRoot: string };
  npmConfigHook: string;
  nodejs: string;
  nativeBuildInputs: string[];
  postFixup: string;
  meta: { mainProgram: string; license: string };
}

/**
 * flake.nix evaluated with a stand-in for nixpkgs (test/fixtures/flake-stub/eval.nix):
 * what the flake asks nixpkgs to build. Whether nixpkgs builds it is checked only where
 * nixpkgs can be fetched (README "Install" says where).
 */
describe('flake.nix', () => {
  let flake: {
    inputs: string[];
    outputNames: string[];
    systems: string[];
    packages: Record<string, Record<string, StubPackage>>;
    apps: Record<string, Record<string, { type: string; program: string }>>;
    devShellPackages: Record<string, string[]>;
  };

  beforeAll(async () => {
    const r = await execa('nix-instantiate', ['--eval', '--strict', '--json', join(REPO, 'test/fixtures/flake-stub/eval.nix'), '--arg', 'repo', REPO]);
    flake = JSON.parse(r.stdout);
  });

  it('offers packages (default and nixcheck), apps and devShells for Linux and macOS', () => {
    expect(flake.inputs).toEqual(['nixpkgs']);
    expect(flake.outputNames).toEqual(['apps', 'devShells', 'packages']);
    expect(flake.systems).toEqual(['aarch64-darwin', 'aarch64-linux', 'x86_64-darwin', 'x86_64-linux']);
    for (const system of flake.systems) {
      expect(Object.keys(flake.packages[system]!).sort()).toEqual(['default', 'nixcheck']);
      expect(flake.packages[system]!.nixcheck).toEqual(flake.packages[system]!.default);
      expect(Object.keys(flake.apps[system]!).sort()).toEqual(['default', 'nixcheck']);
    }
  });

  it('builds the npm package from this checkout and package-lock.json, with Node 20, version from package.json', () => {
    const p = flake.packages['x86_64-linux']!.default!;
    expect(p.pname).toBe(pkg.name);
    expect(p.version).toBe(pkg.version);
    expect(p.src).toBe(REPO);
    expect(p.npmDeps).toEqual({ stub: 'importNpmLock', npmRoot: REPO });
    expect(p.npmConfigHook).toBe('stub:importNpmLock.npmConfigHook');
    expect(p.nodejs).toBe('/stub/nodejs_20');
    expect(p.meta.mainProgram).toBe(Object.keys(pkg.bin)[0]);
    expect(p.meta.license).toBe(`license:${pkg.license.toLowerCase()}`);
  });

  it('puts nix, xmllint and genhtml on the PATH of the installed command, which the apps run', () => {
    const p = flake.packages['x86_64-linux']!.default!;
    expect(p.nativeBuildInputs).toContain('/stub/makeWrapper');
    expect(p.postFixup).toContain(`wrapProgram $out/bin/${Object.keys(pkg.bin)[0]} --prefix PATH : /stub/nix/bin:/stub/libxml2/bin:/stub/lcov/bin`);
    for (const system of flake.systems) {
      expect(flake.apps[system]!.nixcheck).toEqual({ type: 'app', program: `/stub/store/nixcheck-${pkg.version}-${system}/bin/nixcheck` });
    }
    expect(flake.devShellPackages['x86_64-linux']).toEqual(['/stub/nodejs_20', '/stub/nix', '/stub/libxml2', '/stub/lcov']);
  });
});

describe('package.json', () => {
  it('publishes what the CLI reads at run time', () => {
    // engine.nix and friends (src/nix), schemas, the catalogue, the init recipe
    for (const dir of ['src', 'schemas', 'compliance', 'recipes', 'dist', 'bin']) expect(pkg.files).toContain(dir);
    expect(pkg.bin.nixcheck).toBe('bin/nixcheck.js');
    expect(readFileSync(join(REPO, pkg.bin.nixcheck), 'utf8')).toContain('../dist/cli/bin.js');
    expect(pkg.engines.node).toBe('>=20');
    // Installing from git builds dist/ with `prepare`, from the devDependencies npm installs for it.
    expect(pkg.scripts.prepare).toBe(pkg.scripts.build);
    expect(Object.keys(pkg.devDependencies)).toContain('typescript');
  });
});
