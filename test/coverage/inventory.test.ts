import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectOptionInventory, declarationFile, fileGlob, type OptionInventory } from '../../src/nix/option-inventory.js';
import { OFFLINE_FLAKE } from '../helpers/paths.js';
import { fileTarget, hostTarget, KERNELCORE_OPTIONS, requireTool } from './helpers.js';

const relativeToStore = (file: string) => declarationFile(file).replace(/^\/nix\/store\/[0-9a-z]{32}-[^/]+\//, '');

describe('collectOptionInventory (real nix, offline fixture)', () => {
  let laptop: OptionInventory;

  beforeAll(async () => {
    requireTool('nix', ['--version']);
    laptop = await collectOptionInventory(hostTarget('laptop'), { timeoutMs: 60_000 });
  });

  it('lists every option the fixture modules declare, with their files, in one process', () => {
    expect(laptop.processes).toBe(1);
    expect(laptop.problems).toEqual([]);
    const declared = laptop.options.filter((o) => o.userDeclarations.length > 0);
    const byFile: Record<string, string[]> = {};
    for (const o of declared) (byFile[relativeToStore(o.userDeclarations[0]!)] ??= []).push(o.loc.join('.'));
    const expected = Object.fromEntries(Object.entries(KERNELCORE_OPTIONS).map(([f, list]) => [f, [...list].sort()]));
    for (const list of Object.values(byFile)) list.sort();
    expect(byFile).toEqual(expected);
    expect(declared).toHaveLength(28);
  });

  it('excludes the imitation of NixOS (modulesPath) from the user-declared options', () => {
    expect(laptop.modulesPath).toMatch(/\/nixos-options$/);
    expect(laptop.roots).toHaveLength(1);
    expect(laptop.roots[0]).toMatch(/^\/nix\/store\/[0-9a-z]{32}-source$/);
    for (const o of laptop.options) {
      for (const d of o.userDeclarations) expect(d).not.toContain('/nixos-options/');
      for (const f of o.userFiles) expect(f).not.toContain('/nixos-options/');
    }
    expect(laptop.options.find((o) => o.loc.join('.') === 'services.openssh.enable')!.userDeclarations).toEqual([]);
    // No option that only the imitation declares and defines is listed.
    expect(laptop.options.find((o) => o.loc.join('.') === 'services.openssh.ports')).toBeUndefined();
    expect(laptop.options.find((o) => o.loc[0] === '_module')).toBeUndefined();
  });

  it('keeps options declared by NixOS but defined by the user, with the defining files', () => {
    const settings = laptop.options.find((o) => o.loc.join('.') === 'services.openssh.settings')!;
    expect(settings).toBeDefined();
    expect(settings.userDeclarations).toEqual([]);
    expect(settings.declarations.map(relativeToStore)).toEqual(['nixos-options/openssh.nix']);
    expect(settings.userFiles.map(relativeToStore)).toEqual(['modules/security/ssh.nix']);
    expect(settings.highestPrio).toBe(100);
    const sysctl = laptop.options.find((o) => o.loc.join('.') === 'boot.kernel.sysctl')!;
    expect(sysctl.userFiles.map(relativeToStore)).toEqual(['modules/security/hardening.nix']);
    const hostname = laptop.options.find((o) => o.loc.join('.') === 'networking.hostName')!;
    expect(hostname.userFiles.map(relativeToStore)).toEqual(['hosts/laptop/default.nix']);
  });

  it('gives declaration lines that point at the declarations in the module files', () => {
    const lineOf = (name: string) => {
      const o = laptop.options.find((x) => x.loc.join('.') === name)!;
      expect(o.declarationPositions).toHaveLength(1);
      return o.declarationPositions![0]!;
    };
    // Read by hand from the module files.
    expect(lineOf('kernelcore.security.hardening.enable').line).toBe(29);
    expect(lineOf('kernelcore.nvidia.prime.offload').line).toBe(23);
    expect(lineOf('kernelcore.security.ssh.allowGroups').line).toBe(16);
    expect(lineOf('kernelcore.network.vpn.tailscale.port').line).toBe(18);
    // Every declaration line names the option's last segment and an option constructor.
    for (const [file, names] of Object.entries(KERNELCORE_OPTIONS)) {
      const lines = readFileSync(join(OFFLINE_FLAKE, file), 'utf8').split('\n');
      for (const name of names) {
        const pos = lineOf(name);
        expect(relativeToStore(pos.file)).toBe(file);
        const text = lines[pos.line - 1]!;
        const last = name.split('.').pop()!;
        expect(text, `${file}:${pos.line} for ${name}`).toMatch(new RegExp(`\\b${last.replace(/[-.]/g, '\\$&')}\\s*=\\s*lib\\.mk(Enable)?Option\\b`));
      }
    }
  });

  it('skips options that kill Nix (abort, infinite recursion, timeout) and reports them', async () => {
    const broken = await collectOptionInventory(hostTarget('broken'), { timeoutMs: 5_000 });
    const problems = Object.fromEntries(broken.problems.map((p) => [p.option.join('.'), p]));
    expect(Object.keys(problems).sort()).toEqual(['kernelcore.debug.aborting', 'kernelcore.debug.recursive', 'kernelcore.debug.slow']);
    expect(problems['kernelcore.debug.aborting']!.reason).toBe('fatal');
    expect(problems['kernelcore.debug.aborting']!.error).toMatch(/deliberate abort/);
    expect(problems['kernelcore.debug.recursive']!.error).toMatch(/infinite recursion/);
    expect(problems['kernelcore.debug.slow']!.reason).toBe('timeout');
    expect(broken.processes).toBe(4);
    // The skipped options are still listed (declared by the host file), without files.
    const debug = broken.options.filter((o) => o.loc[1] === 'debug').map((o) => o.loc.join('.'));
    expect(debug.sort()).toEqual([
      'kernelcore.debug.aborting',
      'kernelcore.debug.fine',
      'kernelcore.debug.recursive',
      'kernelcore.debug.slow',
      'kernelcore.debug.throwing',
      'kernelcore.debug.undefined',
    ]);
    const aborting = broken.options.find((o) => o.loc.join('.') === 'kernelcore.debug.aborting')!;
    expect(aborting.filesKnown).toBe(false);
    // A throw is caught by tryEval: no process ends, the files are just unknown.
    expect(broken.options.find((o) => o.loc.join('.') === 'kernelcore.debug.throwing')!.filesKnown).toBe(false);
    expect(broken.options.find((o) => o.loc.join('.') === 'kernelcore.debug.fine')!.filesKnown).toBe(true);
  });

  it('does not evaluate the definitions of the options a read covers: aborting values are never reached', async () => {
    const reads = ['aborting', 'recursive', 'slow'].map((name) => ['kernelcore', 'debug', name]);
    const broken = await collectOptionInventory(hostTarget('broken'), { timeoutMs: 5_000, reads });
    expect(broken.problems).toEqual([]);
    expect(broken.processes).toBe(1);
    for (const [, , name] of reads) {
      const o = broken.options.find((x) => x.loc.join('.') === `kernelcore.debug.${name}`)!;
      expect(o.userDeclarations).toHaveLength(1);
      expect(o.filesKnown).toBe(false);
    }
  });

  it('lists the options declared inside submodule types, as the NixOS manual does, with their lines and documentation', async () => {
    const lab = await collectOptionInventory(fileTarget('lab/default.nix', []), { timeoutMs: 60_000 });
    expect(lab.problems).toEqual([]);
    const file = join(OFFLINE_FLAKE, 'lab/machines.nix');
    // Read by hand from lab/machines.nix: the line of each declaration, and whether it has a description and an example.
    const expected: Record<string, [line: number, description: boolean, example: boolean]> = {
      'lab.machines': [11, true, false],
      'lab.machines.<name>.memoryMiB': [16, true, true],
      'lab.machines.<name>.vcpus': [22, true, false],
      'lab.machines.<name>.autostart': [27, false, false],
      'lab.machines.<name>.disk': [31, true, false],
      'lab.machines.<name>.disk.sizeGiB': [35, true, true],
      'lab.network': [47, true, true],
      'lab.network.bridge': [52, true, false],
      'lab.network.subnet': [57, false, false],
      'lab.users': [64, false, false],
      'lab.users.*.login': [67, true, false],
    };
    const declared = lab.options.filter((o) => o.userDeclarations.length > 0);
    expect(declared.map((o) => o.loc.join('.')).sort()).toEqual(Object.keys(expected).sort());
    for (const o of declared) {
      const name = o.loc.join('.');
      const [line, description, example] = expected[name]!;
      expect(o.userDeclarations, name).toEqual([file]);
      expect(o.declarationPositions!.map((p) => p.line), name).toEqual([line]);
      expect({ description: o.description, example: o.example, subOption: o.subOption }, name).toEqual({ description, example, subOption: name.split('.').length > 2 });
    }
    // The values set for the machines are definitions of the outer option.
    expect(declared.find((o) => o.loc.join('.') === 'lab.machines')!.files).toEqual(['lab/default.nix (values)']);
  });

  it('fails with the Nix error when the target itself does not evaluate', async () => {
    await expect(collectOptionInventory(hostTarget('no-such-host'), { timeoutMs: 60_000 })).rejects.toThrow(
      /cannot collect the options of no-such-host: .*no such target: nixosConfigurations\.no-such-host; nixosConfigurations has: bare, /s,
    );
  });

  it('takes a file target with its directory as root, and excludeFiles globs', async () => {
    const target = fileTarget('eval-tests.nix', ['socEnterprise']);
    const all = await collectOptionInventory(target, { timeoutMs: 60_000 });
    expect(all.roots).toEqual([OFFLINE_FLAKE]);
    // This evaluation imports nixos-options/services.nix itself (no modulesPath): it counts
    // as the user's unless excluded.
    expect(all.options.some((o) => o.userDeclarations.some((d) => d.includes('/nixos-options/')))).toBe(true);
    const mine = await collectOptionInventory(target, { timeoutMs: 60_000, excludeFiles: ['nixos-options/**'] });
    const declared = mine.options.filter((o) => o.userDeclarations.length > 0).map((o) => o.loc.join('.'));
    expect(declared.sort()).toEqual(['kernelcore.soc.labels', 'kernelcore.soc.profile', 'kernelcore.soc.retention.days']);
    const profile = mine.options.find((o) => o.loc.join('.') === 'kernelcore.soc.profile')!;
    expect(profile.declarations).toEqual([join(OFFLINE_FLAKE, 'modules/soc/soc.nix')]);
  });

  it('matches file globs relative to a root', () => {
    expect(fileGlob('nixos-options/**').test('nixos-options/boot.nix')).toBe(true);
    expect(fileGlob('./vendor/*.nix').test('vendor/a.nix')).toBe(true);
    expect(fileGlob('vendor/*.nix').test('vendor/sub/a.nix')).toBe(false);
    expect(fileGlob('**/generated.nix').test('a/b/generated.nix')).toBe(true);
    expect(fileGlob('**/generated.nix').test('generated.nix')).toBe(true);
  });
});
