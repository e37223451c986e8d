import { describe, expect, it } from 'vitest';
import { importedSources, optionsForChanged, selectMutated } from '../../scripts/mutate-changed.js';

describe('selectMutated', () => {
  const patterns = ['src/match/matchers.ts', 'src/compliance/*.ts', 'src/report/**/*.ts', '!src/compliance/run-comply.ts', 'src/evidence/evidence.ts:10-20'];

  it('the changed files the configured paths and globs select, once each, sorted', () => {
    expect(
      selectMutated(
        ['README.md', 'src/match/matchers.ts', 'src/match/verdict.ts', 'src/compliance/score.ts', 'src/compliance/report/x.ts', 'src/report/a/b.ts', 'src/match/matchers.ts'],
        patterns,
      ),
    ).toEqual(['src/compliance/score.ts', 'src/match/matchers.ts', 'src/report/a/b.ts']);
  });

  it('leaves out what a `!` pattern excludes; a line range selects its file', () => {
    expect(selectMutated(['src/compliance/run-comply.ts', 'src/evidence/evidence.ts'], patterns)).toEqual(['src/evidence/evidence.ts']);
    expect(selectMutated(['src/match/matchers.ts.orig', 'xsrc/match/matchers.ts'], patterns)).toEqual([]);
    expect(selectMutated([], patterns)).toEqual([]);
  });
});

describe('importedSources', () => {
  it('the repository files a test imports by relative path, as TypeScript sources', () => {
    const text = `import { describe } from 'vitest';
import { match } from '../../src/match/matchers.js';
import type { ItemOutcome } from "../../src/nix/request.js";
import { tempDir } from '../helpers/paths.js';
import { x } from './local.js';
import { readFileSync } from 'node:fs';`;
    expect(importedSources('test/match/verdict.test.ts', text)).toEqual(['src/match/matchers.ts', 'src/nix/request.ts', 'test/helpers/paths.ts', 'test/match/local.ts']);
    expect(importedSources('test/a.test.ts', "import x from 'yaml';")).toEqual([]);
  });
});

describe('optionsForChanged', () => {
  it('the configured options, mutating only the files, reporting apart from the full run', () => {
    const config = { testRunner: 'vitest', mutate: ['src/a.ts', 'src/b.ts'], incrementalFile: 'reports/mutation/stryker-incremental.json', reporters: ['html'], concurrency: 2 };
    expect(optionsForChanged(config, ['src/b.ts'], 'out')).toEqual({
      testRunner: 'vitest',
      mutate: ['src/b.ts'],
      incrementalFile: 'out/stryker-incremental.json',
      reporters: ['clear-text', 'progress-append-only', 'json'],
      jsonReporter: { fileName: 'out/mutation.json' },
      concurrency: 2,
    });
  });
});
