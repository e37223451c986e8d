import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * The files of the evaluation cache. Reading gives parsed JSON, or `absent` when there is
 * no file, or `unreadable` for anything that is not JSON (a truncated write, garbage):
 * callers validate the shape of what they use. Writing is atomic and never fails a run:
 * a cache that cannot be written (a full disk) costs speed next time, nothing else.
 */
export type CacheRead = { status: 'ok'; data: unknown } | { status: 'absent' } | { status: 'unreadable' };

export function readCacheFile(path: string): CacheRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? { status: 'absent' } : { status: 'unreadable' };
  }
  try {
    return { status: 'ok', data: JSON.parse(text) };
  } catch {
    return { status: 'unreadable' };
  }
}

export async function writeCacheFile(path: string, data: unknown): Promise<void> {
  try {
    await writeFileAtomic(path, JSON.stringify(data));
  } catch (err) {
    process.stderr.write(`nixcheck: could not write the evaluation cache (${path}): ${(err as Error).message}\n`);
  }
}
