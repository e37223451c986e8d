import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvaluationCache } from '../../src/nix/eval-cache.js';
import { collectOptionInventory } from '../../src/nix/option-inventory.js';
import type { ResolvedTarget } from '../../src/target/resolve-target.js';
import { OFFLINE_FLAKE, tempDir } from '../helpers/paths.js';

/** `nixcheck coverage` keeps option inventories in the evaluation cache, under the same rules. */
describe('option inventories in the evaluation cache', () => {
  function copiedHost(host: string): { dir: string; target: ResolvedTarget } {
    const dir = tempDir();
    cpSync(OFFLINE_FLAKE, dir, { recursive: true });
    return {
      dir,
      target: {
        key: host,
        label: host,
        evalTarget: { base: { kind: 'flake', flake: `path:${dir}`, attrPath: ['nixosConfigurations', host] }, sourceDir: dir, sourceScope: 'path' },
      },
    };
  }
  const declared = (inv: { options: { loc: string[]; userDeclarations: string[] }[] }) =>
    inv.options.filter((o) => o.userDeclarations.length > 0).map((o) => o.loc.join('.'));

  it('answers an unchanged walk without Nix, walks again after a change, and rewrites an entry of the wrong shape', async () => {
    const { dir, target } = copiedHost('laptop');
    const cacheDir = tempDir();
    const walk = () => collectOptionInventory(target, { timeoutMs: 60_000, cache: new EvaluationCache(cacheDir) });

    const cold = await walk();
    expect(cold.processes).toBe(1);
    const warm = await walk();
    expect(warm.processes).toBe(0);
    expect(warm.options).toEqual(cold.options);

    const ssh = join(dir, 'modules/security/ssh.nix');
    writeFileSync(ssh, readFileSync(ssh, 'utf8').replace('options.kernelcore.security.ssh = {', 'options.kernelcore.security.ssh = {\n    addedByTheTest = lib.mkEnableOption "a new option";'));
    const changed = await walk();
    expect(changed.processes).toBe(1);
    expect(declared(changed)).toContain('kernelcore.security.ssh.addedByTheTest');

    for (const entry of readdirSync(cacheDir).filter((n) => n !== 'file-hashes.json')) {
      const data = JSON.parse(readFileSync(join(cacheDir, entry), 'utf8'));
      for (const record of data.records) record.value.options[0] = {};
      writeFileSync(join(cacheDir, entry), JSON.stringify(data));
    }
    const rewalked = await walk();
    expect(rewalked.processes).toBe(1);
    expect(rewalked.options).toEqual(changed.options);
    expect((await walk()).processes).toBe(0);
  });
});
