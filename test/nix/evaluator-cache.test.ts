import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';
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

  it('keeps a follow-up\'s answer under its own key, with the answers of the target it followed', async () => {
    const { target } = copyEngineFlake();
    const cacheDir = tempDir();
    const [first] = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluateMany([{ target, items: [item(['plain']), item(['text'])] }], {
      jobs: 1,
      followUp: (index, i) => (index === 0 && i === 1 ? item(['list']) : undefined),
    });
    expect(first!.followUps).toEqual(new Map([[1, expect.objectContaining({ value: [1, 'two', { three: 3 }] })]]));
    expect(first!.processes).toBe(1);

    const later = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, [item(['list']), item(['plain'])]);
    expect(later.processes).toBe(0);
    expect(later.fromCache).toEqual([true, true]);
    expect(later.outcomes[0]).toMatchObject({ value: [1, 'two', { three: 3 }] });
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

/** Every stored outcome (an object with a `status`) replaced by `{}`, whatever the file's layout. */
function emptyOutcomes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(emptyOutcomes);
  if (typeof value !== 'object' || value === null) return value;
  if ('status' in value) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, emptyOutcomes(v)]));
}

const entryFiles = (cacheDir: string) => readdirSync(cacheDir).filter((n) => n.endsWith('.json') && n !== 'file-hashes.json');

describe('cache files of the wrong shape', () => {
  const corruptions: [string, (text: string) => string | Buffer][] = [
    ['{}', () => '{}'],
    ['[]', () => '[]'],
    ['42', () => '42'],
    ['null', () => 'null'],
    ['{"items":null}', () => '{"items":null}'],
    ['records that are not records', (text) => JSON.stringify({ ...JSON.parse(text), records: [null, 1, { value: {} }] })],
    ['an item stored as {}', (text) => JSON.stringify(emptyOutcomes(JSON.parse(text)))],
    ['truncated JSON', (text) => text.slice(0, Math.floor(text.length / 2))],
    ['binary garbage', () => Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x80, 0x22, 0x0a])],
  ];

  it.each(corruptions)('an entry of %s is a miss, evaluated again and rewritten', async (_, corrupt) => {
    const { target } = copyEngineFlake();
    const cacheDir = tempDir();
    const items = [item(['plain']), item(['throwing'])];
    const cold = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, items);
    const [entry] = entryFiles(cacheDir);
    writeFileSync(join(cacheDir, entry!), corrupt(readFileSync(join(cacheDir, entry!), 'utf8')));

    const again = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, items);
    expect(again.outcomes).toEqual(cold.outcomes);
    expect(again.fromCache).toEqual([false, false]);
    const warm = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, items);
    expect(warm.fromCache).toEqual([true, true]);
    expect(warm.outcomes).toEqual(cold.outcomes);
  });

  it.each([['{}'], ['[]'], ['42'], ['null'], ['{"/x":[1,2]}'], ['{"/x":null}'], ['truncated {"/x":[']])('file-hashes.json of %s is forgotten and rewritten', async (text) => {
    const { target } = copyEngineFlake();
    const cacheDir = tempDir();
    const cold = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, [item(['plain'])]);
    writeFileSync(join(cacheDir, 'file-hashes.json'), text.replace(/^truncated /, ''));

    const warm = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, [item(['plain'])]);
    expect(warm.outcomes).toEqual(cold.outcomes);
    expect(warm.fromCache).toEqual([true]);
    const hashes = JSON.parse(readFileSync(join(cacheDir, 'file-hashes.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(hashes).length).toBeGreaterThan(0);
    expect(Object.values(hashes).every((e) => Array.isArray(e) && e.length === 6)).toBe(true);
  });
});

describe('a cache that cannot be written', () => {
  it('costs only speed: the answers stand and no temporary file stays', async () => {
    const { target } = copyEngineFlake();
    const cacheDir = tempDir();
    const first = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, [item(['plain'])]);
    // The entry's name is taken by a directory that is not empty: the rename that ends a write fails.
    const [entry] = entryFiles(cacheDir);
    rmSync(join(cacheDir, entry!));
    mkdirSync(join(cacheDir, entry!, 'in-the-way'), { recursive: true });
    const warnings = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const again = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, [item(['plain'])]);
      expect(again.outcomes).toEqual(first.outcomes);
      expect(warnings.mock.calls.map(([text]) => String(text)).join('')).toContain('could not write the evaluation cache');
    } finally {
      warnings.mockRestore();
    }
    expect(readdirSync(cacheDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('on a full disk, costs only speed and leaves no temporary file', async (ctx) => {
    const cacheDir = tempDir();
    const mounted = await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', cacheDir], { reject: false });
    if (mounted.exitCode !== 0) {
      console.log(`skipped: cannot mount a small tmpfs (${String(mounted.stderr).trim() || 'not root'})`);
      ctx.skip();
    }
    try {
      const { target } = copyEngineFlake();
      // Leave a few hundred bytes: less than an entry needs.
      writeFileSync(join(cacheDir, 'filler'), Buffer.alloc(64 * 1024 - 4096));
      for (let i = 0; ; i++) {
        try {
          writeFileSync(join(cacheDir, `filler-${i}`), Buffer.alloc(256));
        } catch {
          break;
        }
      }
      const warnings = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const outcome = await new Evaluator({ timeoutMs: 60_000, cacheDir }).evaluate(target, [item(['plain']), item(['text'])]);
        expect(outcome.outcomes).toEqual([
          expect.objectContaining({ status: 'value', value: 42 }),
          expect.objectContaining({ status: 'value', value: 'hello' }),
        ]);
        expect(warnings.mock.calls.map(([text]) => String(text)).join('')).toMatch(/could not write the evaluation cache.*ENOSPC/);
      } finally {
        warnings.mockRestore();
      }
      expect(readdirSync(cacheDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      await execa('umount', [cacheDir], { reject: false });
    }
  });
});
