import type { RunResult } from '../result/model.js';
import { validatorFor } from '../util/schemas.js';
import type { Reporter } from './reporter.js';

/** reports/results.json: the result model itself, checked against its published schema. */
export function jsonReporter(fileName = 'results.json'): Reporter {
  return {
    name: 'json',
    files: (result: RunResult) => [
      {
        name: fileName,
        render() {
          const validate = validatorFor('results');
          if (!validate(result)) {
            // Ajv sets errors whenever validation fails.
            throw new Error(`nixcheck produced a result that breaks schemas/results.schema.json: ${JSON.stringify(validate.errors!.slice(0, 3))}`);
          }
          return JSON.stringify(result, null, 2) + '\n';
        },
      },
    ],
  };
}
