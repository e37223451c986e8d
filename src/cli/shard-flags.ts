import { resolve } from 'node:path';
import { cacheCostFile, readCacheCosts, readGivenCosts, type CostKind } from '../shard/cost-record.js';
import type { ShardRequest } from '../shard/select.js';
import { parseShardSpec } from '../shard/spec.js';
import { InputError } from '../util/errors.js';
import { displayPath } from '../util/yaml-source.js';
import type { FlagSpec } from './command.js';

/** `test`, `comply` and `vm run`: run one part of the targets. */
export const SHARD_FLAGS: FlagSpec[] = [
  {
    name: 'shard',
    type: 'string',
    value: 'I/N',
    description: 'Run only the I-th of N parts, split by target and balanced by recorded durations; `nixcheck merge-reports` combines the parts.',
  },
  {
    name: 'shard-costs',
    type: 'string',
    value: 'FILE',
    description: 'Durations to balance --shard by (the shard-costs.json merge-reports writes); a missing file means none yet. Default: the record in the cache directory.',
  },
];

/**
 * The shard to run and the costs to split by, or undefined for a whole run. Costs come
 * from `--shard-costs` when given, else from the cache directory's record.
 */
export async function shardRequest(values: Record<string, unknown>, kind: CostKind, cacheDir: string | null, cwd = process.cwd()): Promise<ShardRequest | undefined> {
  const costsFile = values['shard-costs'] as string | undefined;
  if (values.shard === undefined) {
    if (costsFile !== undefined) throw new InputError('--shard-costs only applies with --shard i/n');
    return undefined;
  }
  const spec = parseShardSpec(values.shard as string);
  let record;
  if (costsFile !== undefined) {
    const file = resolve(cwd, costsFile);
    record = await readGivenCosts(file);
    if (!record) process.stderr.write(`nixcheck: no shard costs in ${displayPath(file)} yet: the split balances target sizes only\n`);
  } else if (cacheDir) {
    record = await readCacheCosts(cacheCostFile(cacheDir));
  }
  return { ...spec, costs: record?.costs[kind] ?? {} };
}
