import { join } from 'node:path';
import type { RunResult } from '../result/model.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { validatorFor } from '../util/schemas.js';
import type { Reporter } from './reporter.js';

/** reports/results.json: the result model itself, checked against its published schema. */
export function jsonReporter(fileName = 'results.json'): Reporter {
  return {
    name: 'json',
    async finish(result: RunResult, outDir: string) {
      const validate = validatorFor('results');
      if (!validate(result)) {
        throw new Error(`nixcheck produced a result that breaks schemas/results.schema.json: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
      }
      const path = join(outDir, fileName);
      await writeFileAtomic(path, JSON.stringify(result, null, 2) + '\n');
      return [path];
    },
  };
}
