import { InputError } from '../util/errors.js';

/** `--shard i/n`: run the i-th of n parts (1-based). */
export interface ShardSpec {
  index: number;
  count: number;
}

export function parseShardSpec(value: string, flag = '--shard'): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new InputError(`${flag} expects i/n with 1 <= i <= n (e.g. 2/3), got ${JSON.stringify(value)}`);
  }
  return { index, count };
}
