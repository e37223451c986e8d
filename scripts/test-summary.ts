/** Ends `npm test` with one plain line a CI log reader understands: `N passed, N failed, N skipped`. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const report = JSON.parse(readFileSync(join(resolve(import.meta.dirname, '..'), 'reports', 'vitest.json'), 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
