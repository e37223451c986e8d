import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Evaluator, type EvalTarget } from '../../src/nix/evaluator.js';
import type { EvalItem } from '../../src/nix/request.js';
import { tempDir } from '../helpers/paths.js';

const item = (path: string[]): EvalItem => ({ variant: { config: null, priority: 100 }, root: 'config', path, evidence: false });

function fileTarget(file: string): EvalTarget {
  return { base: { kind: 'file', file, attrPath: [] }, sourceDir: join(file, '..'), sourceScope: 'files' };
}

/**
 * Two targets that read shared.nix through mid.nix. b.nix names mid.nix only: shared.nix
 * is known through mid.nix, which Nix reports for the first of them alone. The files are
 * written a moment before Nix starts, so that only an edit in the test counts as one made
 * while Nix evaluated.
 */
async function twoTargets() {
  const dir = tempDir();
  const files = {
    'shared.nix': '{ port = 22; }\n',
    'mid.nix': 'import ./shared.nix\n',
    'a.nix': '{ config.a = (import ./mid.nix).port; }\n',
    'b.nix': '{ config.b = (import ./mid.nix).port + 1; }\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  await new Promise((r) => setTimeout(r, 200));
  return { dir, a: fileTarget(join(dir, 'a.nix')), b: fileTarget(join(dir, 'b.nix')) };
}

/**
 * Many targets share a Nix process, and Nix reports each file once per process: for the
 * first target that reads it. A later target's answers must still be keyed by that file.
 */
describe('the cache of targets that shared a Nix process', () => {
  it('keys a later target by the files an earlier one read first', async () => {
    const { dir, a, b } = await twoTargets();
    const cacheDir = tempDir();

    const cold = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluateMany(
      [
        { target: a, items: [item(['a'])] },
        { target: b, items: [item(['b'])] },
      ],
      { jobs: 1 },
    );
    expect(cold.map((r) => [r.outcomes[0], r.processes, r.notCached])).toEqual([
      [expect.objectContaining({ value: 22 }), 1, undefined],
      [expect.objectContaining({ value: 23 }), 1, undefined],
    ]);
    const warm = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(b, [item(['b'])]);
    expect(warm.fromCache).toEqual([true]);

    writeFileSync(join(dir, 'shared.nix'), '{ port = 2222; }\n');
    const edited = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(b, [item(['b'])]);
    expect(edited.fromCache).toEqual([false]);
    expect(edited.outcomes[0]).toMatchObject({ status: 'value', value: 2223 });
  });

  it('stores nothing a process read before a file changed under it', async () => {
    const { dir, a, b } = await twoTargets();
    const cacheDir = tempDir();

    // Edited once a.nix is done, well before b.nix is asked for (the pool waits for this
    // callback): the process has shared.nix as it was.
    const edit = (index: number) => {
      if (index !== 0) return;
      writeFileSync(join(dir, 'shared.nix'), '{ port = 2222; }\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    };
    const run = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluateMany(
      [
        { target: a, items: [item(['a'])] },
        { target: b, items: [item(['b'])] },
      ],
      { jobs: 1, onTargetEnd: edit },
    );
    expect(run[1]!.outcomes[0]).toMatchObject({ value: 23 });
    // a.nix's answer was recorded with shared.nix as it was; b.nix's cannot be.
    expect(run.map((r) => r.notCached)).toEqual([undefined, expect.stringContaining('shared.nix changed while Nix was evaluating')]);

    const again = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluateMany(
      [
        { target: a, items: [item(['a'])] },
        { target: b, items: [item(['b'])] },
      ],
      { jobs: 1 },
    );
    expect(again.map((r) => [r.fromCache, r.outcomes[0]])).toEqual([
      [[false], expect.objectContaining({ value: 2222 })],
      [[false], expect.objectContaining({ value: 2223 })],
    ]);
  });
});
