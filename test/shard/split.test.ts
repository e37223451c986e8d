import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readCacheCosts, readGivenCosts, withMeasured } from '../../src/shard/cost-record.js';
import { byName, selectShard } from '../../src/shard/select.js';
import { parseShardSpec } from '../../src/shard/spec.js';
import { splitTargets, type SplitTarget } from '../../src/shard/split.js';
import { InputError } from '../../src/util/errors.js';
import { REPO, tempDir } from '../helpers/paths.js';

const targets = (ids: string[], size = 1): SplitTarget[] => ids.map((id) => ({ id, size }));
const assignment = (list: SplitTarget[], count: number, costs: Record<string, number> = {}) => {
  const shards = splitTargets(list, count, costs);
  return Object.fromEntries(list.map((t, i) => [t.id, shards[i]]));
};
const load = (list: SplitTarget[], count: number, costs: Record<string, number>) => {
  const shards = splitTargets(list, count, costs);
  const sums = new Array(count).fill(0);
  list.forEach((t, i) => (sums[shards[i]! - 1] += costs[t.id]!));
  return sums;
};

describe('parseShardSpec', () => {
  it('reads i/n with 1 <= i <= n', () => {
    expect(parseShardSpec('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShardSpec('1/1')).toEqual({ index: 1, count: 1 });
  });

  it.each(['0/3', '4/3', '1/0', '3', 'a/b', '1/3/4', '-1/3', '1.5/3', '', ' /3'])('rejects %j', (value) => {
    expect(() => parseShardSpec(value)).toThrow(InputError);
    expect(() => parseShardSpec(value)).toThrow(/--shard expects i\/n/);
  });
});

describe('--shard on the command line', () => {
  it.each([
    ['test', '4/3', /--shard expects i\/n/],
    ['comply', '1/0', /--shard expects i\/n/],
    ['vm', 'two/3', /--shard expects i\/n/],
  ])('nixcheck %s --shard %s exits 2 before evaluating anything', async (command, value, message) => {
    const out = tempDir();
    const args = [command, ...(command === 'vm' ? ['run'] : []), '--shard', value, '--out', out];
    const r = await execa('npx', ['tsx', 'src/cli/bin.ts', ...args], { cwd: REPO, reject: false, env: { XDG_CACHE_HOME: tempDir() } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('splitTargets', () => {
  const hosts = Array.from({ length: 40 }, (_, i) => `host-${i}`);

  it('gives every target exactly one shard, the same whatever order they are listed in', () => {
    const list = targets(hosts);
    const costs = Object.fromEntries(hosts.map((h, i) => [h, (i * 37) % 11]));
    const forward = assignment(list, 3, costs);
    const backward = assignment([...list].reverse(), 3, costs);
    expect(backward).toEqual(forward);
    expect(new Set(Object.values(forward))).toEqual(new Set([1, 2, 3]));
  });

  it('balances by recorded durations: one slow target alone against many fast ones', () => {
    const list = targets(['slow', ...hosts.slice(0, 10)]);
    const costs = { slow: 10_000, ...Object.fromEntries(hosts.slice(0, 10).map((h) => [h, 1000])) };
    const a = assignment(list, 2, costs);
    expect(hosts.slice(0, 10).every((h) => a[h] !== a.slow)).toBe(true);
    expect(load(list, 2, costs).sort()).toEqual([10_000, 10_000]);
  });

  it('without durations, balances sizes (number of cases) instead', () => {
    const list = [{ id: 'big', size: 30 }, ...targets(hosts.slice(0, 6), 5)];
    const shards = splitTargets(list, 2, {});
    const sizes = [0, 0];
    list.forEach((t, i) => (sizes[shards[i]! - 1] += t.size));
    expect(sizes.sort()).toEqual([30, 30]);
  });

  it('estimates a target without a recorded duration at the recorded rate per case', () => {
    // Every 10 cases took 1000 ms, so the new 40-case target counts as 4000 ms: it gets a shard
    // nearly to itself (a flat per-target estimate would give each shard three targets).
    const small = ['s1', 's2', 's3', 's4'];
    const list = [{ id: 'known', size: 10 }, { id: 'new', size: 40 }, ...targets(small, 10)];
    const a = assignment(list, 2, { known: 1000, ...Object.fromEntries(small.map((s) => [s, 1000])) });
    expect(Object.values(a).filter((s) => s === a.new)).toHaveLength(2);
  });

  it('spreads targets that cost nothing instead of piling them onto shard 1', () => {
    const list = targets(hosts.slice(0, 6));
    const a = assignment(list, 3, Object.fromEntries(hosts.slice(0, 6).map((h) => [h, 0])));
    const counts = [1, 2, 3].map((s) => Object.values(a).filter((x) => x === s).length);
    expect(counts).toEqual([2, 2, 2]);
  });

  it('leaves shards empty when there are fewer targets than shards', () => {
    expect(Object.values(assignment(targets(['a', 'b']), 4)).sort()).toEqual([1, 2]);
  });
});

describe('selectShard', () => {
  it('keeps the items of this shard\'s targets in run order, with their positions and the whole split', () => {
    const items = ['a', 'b', 'a', 'c', 'b', 'a'];
    const parts = [1, 2].map((index) => selectShard(items, byName, { index, count: 2, costs: {} }));
    expect(parts[0]!.targets).toEqual(parts[1]!.targets);
    expect(parts[0]!.targets.map((t) => t.id)).toEqual(['a', 'b', 'c']);
    const positions = [...parts[0]!.positions, ...parts[1]!.positions].sort();
    expect(positions).toEqual([0, 1, 2, 3, 4, 5]);
    for (const p of parts) expect(p.items).toEqual(p.positions.map((i) => items[i]));
  });

  it('keeps two labels of one evaluation together, under the first label, the other as an alias', () => {
    const items = [
      { key: 'flake#["nixosConfigurations","laptop"]', label: 'nixosConfigurations.laptop' },
      { key: 'flake#["nixosConfigurations","bare"]', label: 'bare' },
      { key: 'flake#["nixosConfigurations","laptop"]', label: 'laptop' },
    ];
    const s = selectShard(items, (x) => x, { index: 1, count: 2, costs: {} });
    expect(s.targets.map((t) => t.id)).toEqual(['nixosConfigurations.laptop', 'bare']);
    expect(s.targets[0]!.aliases).toEqual(['laptop']);
  });

  it('finds a target\'s recorded cost under any of its labels', () => {
    const items = [
      { key: 'k1', label: 'nixosConfigurations.laptop' },
      { key: 'k1', label: 'laptop' },
      { key: 'k2', label: 'bare' },
    ];
    const s = selectShard(items, (x) => x, { index: 1, count: 2, costs: { laptop: 700 } });
    expect(s.costs).toEqual({ 'nixosConfigurations.laptop': 700 });
  });

  it('records the costs it split by, for the targets of the run only', () => {
    const s = selectShard(['a', 'b'], byName, { index: 1, count: 2, costs: { a: 5, z: 9 } });
    expect(s.costs).toEqual({ a: 5 });
  });
});

describe('the shard cost record', () => {
  const dir = tempDir();
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const good = { version: 1, costs: { test: { laptop: 1200 }, comply: { laptop: 900 } } };

  it('reads a record of the right shape', async () => {
    expect(await readCacheCosts(write('good.json', JSON.stringify(good)))).toEqual(good);
    expect(await readGivenCosts(write('good2.json', JSON.stringify(good)))).toEqual(good);
  });

  it('in the cache: a missing, unreadable or wrongly shaped record is no record', async () => {
    mkdirSync(join(dir, 'a-directory'));
    for (const file of [
      join(dir, 'missing.json'),
      join(dir, 'a-directory'),
      write('truncated.json', '{"version": 1, "costs": {"te'),
      write('negative.json', JSON.stringify({ version: 1, costs: { test: { laptop: -5 } } })),
      write('string.json', JSON.stringify({ version: 1, costs: { test: { laptop: '5' } } })),
      write('other-version.json', JSON.stringify({ version: 2, costs: {} })),
      write('unknown-kind.json', JSON.stringify({ version: 1, costs: { chaos: {} } })),
    ]) {
      expect(await readCacheCosts(file), file).toBeUndefined();
    }
  });

  it('given with --shard-costs: missing is none yet, a wrong shape is an input error naming the file', async () => {
    expect(await readGivenCosts(join(dir, 'not-yet.json'))).toBeUndefined();
    const bad = write('bad-given.json', JSON.stringify({ version: 1, costs: { test: { laptop: 'slow' } } }));
    await expect(readGivenCosts(bad)).rejects.toThrow(InputError);
    await expect(readGivenCosts(bad)).rejects.toThrow(/bad-given\.json is not a nixcheck shard cost record.*\/costs\/test\/laptop/);
  });

  it('folds what a run measured into the record, in whole milliseconds, keeping the rest', () => {
    const next = withMeasured(good as never, 'test', { laptop: 1500.4, bare: 700.6 });
    expect(next).toEqual({ version: 1, costs: { test: { laptop: 1500, bare: 701 }, comply: { laptop: 900 } } });
    expect(withMeasured(undefined, 'vm', { t: 3 })).toEqual({ version: 1, costs: { vm: { t: 3 } } });
  });
});
