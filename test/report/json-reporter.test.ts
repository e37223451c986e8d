import { describe, expect, it } from 'vitest';
import { jsonReporter } from '../../src/report/json-reporter.js';
import type { RunResult } from '../../src/result/model.js';
import { makeCase, runResult } from '../helpers/results.js';

describe('jsonReporter', () => {
  it('writes the result model itself, indented, to results.json unless named otherwise', () => {
    const result = runResult([makeCase(1, 'pass'), makeCase(2, 'error')]);
    const reporter = jsonReporter();
    expect(reporter.name).toBe('json');
    const [file] = reporter.files!(result);
    expect(file!.name).toBe('results.json');
    expect(file!.render()).toBe(`${JSON.stringify(result, null, 2)}\n`);
    expect(jsonReporter('out.json').files!(result).map((f) => f.name)).toEqual(['out.json']);
  });

  it('refuses a result that breaks the published schema, naming the first errors', () => {
    const broken = { ...runResult([]), schemaVersion: 2 } as unknown as RunResult;
    expect(() => jsonReporter().files!(broken)[0]!.render()).toThrow(
      /^nixcheck produced a result that breaks schemas\/results\.schema\.json: \[\{"instancePath":"\/schemaVersion",.*\}\]$/,
    );
  });

  it('names at most three errors', () => {
    const broken = { ...runResult([]), schemaVersion: 2, durationMs: 'x', startedAt: 1, cases: 'none', summary: null } as unknown as RunResult;
    let message = '';
    try {
      jsonReporter().files!(broken)[0]!.render();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(JSON.parse(message.slice(message.indexOf('['))) as unknown[]).toHaveLength(3);
  });
});
