import { describe, expect, it } from 'vitest';
import { WITH_MODULE_FILE } from '../../src/nix/module-files.js';
import { engineRequest, PRIORITY, type BaseTarget, type EvalItem, type Variant } from '../../src/nix/request.js';

const plain: Variant = { config: null, priority: PRIORITY.normal };
const hardened: Variant = { config: { security: { hardening: true } }, priority: PRIORITY.force };
const item = (variant: Variant, path: (string | number)[], extra: Partial<EvalItem> = {}): EvalItem => ({ variant, root: 'config', path, evidence: false, ...extra });
const fileTarget: BaseTarget = { kind: 'file', file: '/src/t.nix', attrPath: ['result'] };

describe('engineRequest (what engine.nix reads for one target)', () => {
  it('lists each distinct variant once, numbered in the order items first use it, and names it in every item', () => {
    const request = engineRequest(fileTarget, [item(plain, ['a']), item(hardened, ['b']), item({ config: null, priority: PRIORITY.normal }, ['c'])]);
    expect(request.variants).toEqual([
      { id: 'v0', config: null, priority: 100 },
      { id: 'v1', config: { security: { hardening: true } }, priority: 50 },
    ]);
    expect(request.items.map((i) => i.variant)).toEqual(['v0', 'v1', 'v0']);
  });

  it('tells variants apart by priority as well as by config', () => {
    const request = engineRequest(fileTarget, [item(plain, ['a']), item({ config: null, priority: PRIORITY.default }, ['a'])]);
    expect(request.variants.map((v) => [v.id, v.priority])).toEqual([
      ['v0', 100],
      ['v1', 1000],
    ]);
  });

  it('passes each item\'s root, path and evidence on, answers names only when asked, and never sends `trace` (a session option)', () => {
    const request = engineRequest(fileTarget, [
      item(plain, ['boot', 0], { evidence: 'full' }),
      { ...item(plain, ['hosts']), root: 'attr', names: true, trace: true },
      item(plain, ['x'], { evidence: true, names: false }),
    ]);
    expect(request.items).toEqual([
      { variant: 'v0', root: 'config', path: ['boot', 0], evidence: 'full', names: false },
      { variant: 'v0', root: 'attr', path: ['hosts'], evidence: false, names: true },
      { variant: 'v0', root: 'config', path: ['x'], evidence: true, names: false },
    ]);
  });

  it('keeps the target as it is and names the file of `with:` definitions', () => {
    const request = engineRequest(fileTarget, []);
    expect(request).toEqual({ base: fileTarget, flakeRefs: [], withFile: WITH_MODULE_FILE, variants: [], items: [] });
  });

  it('lists the flake of a flake target', () => {
    expect(engineRequest({ kind: 'flake', flake: 'path:/src/host', attrPath: ['nixosConfigurations', 'a'] }, []).flakeRefs).toEqual(['path:/src/host']);
  });

  it('lists each flake a modules target reads once, its lib first, and no local paths', () => {
    const base: BaseTarget = {
      kind: 'modules',
      lib: { kind: 'flake', flake: 'github:NixOS/nixpkgs', attrPath: ['lib'] },
      modules: [
        { kind: 'path', path: '/src/module.nix' },
        { kind: 'flake', flake: 'path:/src/mods', attrPath: ['nixosModules', 'a'] },
        { kind: 'flake', flake: 'github:NixOS/nixpkgs', input: 'x', attrPath: ['nixosModules', 'b'] },
        { kind: 'flake', flake: 'path:/src/mods', attrPath: ['nixosModules', 'c'] },
      ],
      specialArgs: {},
      attrPath: [],
    };
    expect(engineRequest(base, []).flakeRefs).toEqual(['github:NixOS/nixpkgs', 'path:/src/mods']);
  });

  it('lists no flake for modules and a lib given as paths', () => {
    const base: BaseTarget = { kind: 'modules', lib: { kind: 'path', path: '/nixpkgs/lib' }, modules: [{ kind: 'path', path: '/src/m.nix' }], specialArgs: {}, attrPath: [] };
    expect(engineRequest(base, []).flakeRefs).toEqual([]);
  });
});
