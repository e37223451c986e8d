import { InputError } from '../util/errors.js';
import { globFiles } from '../util/glob.js';
import { loadSuite } from './load-suite.js';
import type { Suite } from './suite.js';

/** Every suite the globs match, all parsed before failing so one run shows every broken file. */
export async function loadSuites(globs: readonly string[], baseDir: string): Promise<Suite[]> {
  const files = [...new Set((await Promise.all(globs.map((g) => globFiles(g, baseDir)))).flat())];
  if (files.length === 0) throw new InputError(`no suite files match ${globs.map((s) => JSON.stringify(s)).join(', ')}`);
  const settled = await Promise.allSettled(files.map(loadSuite));
  const errors = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((f) => f.reason as Error);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new InputError(errors.map((e) => e.message).join('\n'));
  return settled.map((s) => (s as PromiseFulfilledResult<Suite>).value);
}
