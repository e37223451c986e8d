import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/nix/evaluator.js';
import type { EvalItem } from '../../src/nix/request.js';
import { REPO, tempDir } from '../helpers/paths.js';

const plain = { config: null, priority: 100 };
const item = (path: string[]): EvalItem => ({ variant: plain, root: 'config', path, evidence: false });

function copyEngineFlake() {
  const dir = tempDir();
  cpSync(join(REPO, 'test', 'fixtures', 'engine'), dir, { recursive: true });
  return { dir, target: { base: { kind: 'flake' as const, flake: `path:${dir}`, attrPath: ['nixosConfigurations', 'edge'] }, sourceDir: dir } };
}

describe('evaluation cache', () => {
  it('answers an unchanged rerun without starting Nix, and notices source changes', async () => {
    const { dir, target } = copyEngineFlake();
    const cacheDir = tempDir();
    const evaluator = new Evaluator({ timeoutMs: 60_000, cacheDir });
    const items = [item(['plain']), item(['throwing'])];

    const cold = await evaluator.evaluate(target, items);
    expect(cold.processes).toBeGreaterThan(0);
    expect(cold.fromCache).toEqual([false, false]);

    const warm = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, items);
    expect(warm.processes).toBe(0);
    expect(warm.fromCache).toEqual([true, true]);
    expect(warm.outcomes).toEqual(cold.outcomes);

    // One more path: only it is evaluated.
    const grown = await evaluator.evaluate(target, [...items, item(['text'])]);
    expect(grown.fromCache).toEqual([true, true, false]);
    expect(grown.processes).toBe(1);

    // A change to the sources the target reads invalidates the entry.
    const flake = join(dir, 'flake.nix');
    writeFileSync(flake, readFileSync(flake, 'utf8').replace('plain = 42;', 'plain = 43;'));
    const changed = await evaluator.evaluate(target, items);
    expect(changed.fromCache).toEqual([false, false]);
    expect(changed.outcomes[0]).toMatchObject({ status: 'value', value: 43 });
  });

  it('with the cache off, always evaluates', async () => {
    const { target } = copyEngineFlake();
    const evaluator = new Evaluator({ timeoutMs: 60_000, cacheDir: null });
    await evaluator.evaluate(target, [item(['plain'])]);
    const again = await evaluator.evaluate(target, [item(['plain'])]);
    expect(again.processes).toBe(1);
  });

  it('does not cache timeouts', async () => {
    const { target } = copyEngineFlake();
    const cacheDir = tempDir();
    const first = await new Evaluator({ timeoutMs: 1000, cacheDir }).evaluate(target, [item(['slow']), item(['plain'])]);
    expect(first.outcomes[0]).toMatchObject({ status: 'error', reason: 'timeout' });
    const second = await new Evaluator({ timeoutMs: 1000, cacheDir }).evaluate(target, [item(['slow']), item(['plain'])]);
    expect(second.fromCache).toEqual([false, true]);
  });
});
