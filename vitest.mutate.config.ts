import { defineConfig } from 'vitest/config';

/**
 * The tests that mutation testing (stryker.config.json) runs against each mutant: fast,
 * in-process unit tests of the mutated modules only. No Nix, no VMs, no subprocesses, so a
 * mutant is judged in well under a second; the end-to-end tests stay in vitest.config.ts.
 */
export default defineConfig({
  test: {
    include: [
      'test/match/matchers.test.ts',
      'test/match/throws-text.test.ts',
      'test/evidence/definition-line.test.ts',
      'test/evidence/nix-assignments.test.ts',
      'test/compliance/score.test.ts',
      'test/compliance/waivers.test.ts',
      'test/compliance/runtime-verdicts.test.ts',
      'test/suite/attr-path.test.ts',
      'test/nix/path-references.test.ts',
      'test/nix/search-path.test.ts',
    ],
    maxWorkers: 2,
  },
});
