/**
 * The shard cost record: how long each target took when it last ran, per command, in
 * milliseconds (schemas/shard-costs.schema.json). `--shard i/n` balances shards by it.
 * Unsharded runs keep one in the cache directory; sharded runs only read theirs, so every
 * shard of a run splits with the same costs; merge-reports writes the updated record
 * next to the merged reports, to carry to the next sharded run (`--shard-costs FILE`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { InputError } from '../util/errors.js';
import { validatorFor } from '../util/schemas.js';
import { displayPath } from '../util/yaml-source.js';

export type CostKind = 'test' | 'comply' | 'vm';

export type Durations = Record<string, number>;

export interface CostRecord {
  version: 1;
  costs: Partial<Record<CostKind, Durations>>;
}

export const COST_RECORD_FILE = 'shard-costs.json';

export function cacheCostFile(cacheDir: string): string {
  return join(cacheDir, COST_RECORD_FILE);
}

type Read = { status: 'absent' } | { status: 'invalid'; why: string } | { status: 'ok'; record: CostRecord };

async function read(file: string): Promise<Read> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent' };
    return { status: 'invalid', why: (err as Error).message };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { status: 'invalid', why: (err as Error).message };
  }
  const validate = validatorFor('shard-costs');
  if (!validate(data)) {
    const e = validate.errors?.[0];
    return { status: 'invalid', why: `${e?.instancePath || '/'} ${e?.message ?? 'does not match schemas/shard-costs.schema.json'}` };
  }
  return { status: 'ok', record: data as CostRecord };
}

/** The cache's record: anything unreadable or of the wrong shape counts as no record. */
export async function readCacheCosts(file: string): Promise<CostRecord | undefined> {
  const r = await read(file);
  return r.status === 'ok' ? r.record : undefined;
}

/**
 * A record the user named (`--shard-costs FILE`). A file that does not exist yet is no
 * record (the first sharded run has none to carry); one that exists but is not a cost
 * record is an input error.
 */
export async function readGivenCosts(file: string): Promise<CostRecord | undefined> {
  const r = await read(file);
  if (r.status === 'invalid') throw new InputError(`${displayPath(file)} is not a nixcheck shard cost record (schemas/shard-costs.schema.json): ${r.why}`);
  return r.status === 'ok' ? r.record : undefined;
}

/** Durations as the record keeps them: whole milliseconds. */
export function roundDurations(durations: Readonly<Durations>): Durations {
  return Object.fromEntries(Object.entries(durations).map(([id, ms]) => [id, Math.max(0, Math.round(ms))]));
}

/** `base` with the measured durations of one command replacing what it had for those targets. */
export function withMeasured(base: CostRecord | undefined, kind: CostKind, measured: Readonly<Durations>): CostRecord {
  const costs = { ...(base?.costs ?? {}) };
  costs[kind] = { ...(costs[kind] ?? {}), ...roundDurations(measured) };
  return { version: 1, costs };
}

export async function writeCostRecord(file: string, record: CostRecord): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
}

/**
 * After an unsharded run: fold what it measured into the cache's record. A record that
 * cannot be written costs balance, never a result, so it only warns.
 */
export async function recordCosts(cacheDir: string | null, kind: CostKind, measured: Readonly<Durations>): Promise<void> {
  if (!cacheDir || Object.keys(measured).length === 0) return;
  const file = cacheCostFile(cacheDir);
  try {
    await writeCostRecord(file, withMeasured(await readCacheCosts(file), kind, measured));
  } catch (err) {
    process.stderr.write(`nixcheck: could not write the shard cost record: ${(err as Error).message}\n`);
  }
}

/** What a run measured: the targets Nix evaluated (answers from the cache say nothing of cost). */
export function measuredDurations(evaluations: readonly { target: string; durationMs: number; processes: number }[]): Durations {
  return Object.fromEntries(evaluations.filter((e) => e.processes > 0).map((e) => [e.target, e.durationMs]));
}
