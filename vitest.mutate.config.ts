import { defineConfig } from 'vitest/config';

/**
 * The tests that mutation testing (stryker.config.json) runs against each mutant: fast,
 * in-process unit tests of the mutated modules only. No Nix, no VMs, no subprocesses, so a
 * mutant is judged in well under a second; the end-to-end tests stay in vitest.config.ts.
 */
export default defineConfig({
  test: {
    include: [
      'test/match/deep-equal.test.ts',
      'test/match/matchers.test.ts',
      'test/match/throws-text.test.ts',
      'test/match/verdict.test.ts',
      'test/evidence/definition-line.test.ts',
      'test/evidence/evidence.test.ts',
      'test/evidence/line-search.test.ts',
      'test/evidence/nix-assignments.test.ts',
      'test/evidence/nix-tokens.test.ts',
      'test/evidence/origin.test.ts',
      'test/compliance/control-verdict.test.ts',
      'test/compliance/resolve-alternatives.test.ts',
      'test/compliance/runtime-verdicts.test.ts',
      'test/compliance/score.test.ts',
      'test/compliance/waivers.test.ts',
      'test/nix/cache-key.test.ts',
      'test/nix/cache-shapes.test.ts',
      'test/nix/dependency-manifest.test.ts',
      'test/nix/isolation.test.ts',
      'test/nix/path-references.test.ts',
      'test/nix/request.test.ts',
      'test/nix/search-path.test.ts',
      'test/nix/session-protocol.test.ts',
      'test/report/exposition-format.test.ts',
      'test/report/github-reporter.test.ts',
      'test/report/json-reporter.test.ts',
      'test/report/junit-xml.test.ts',
      'test/report/markdown-escaping.test.ts',
      'test/report/terminal.test.ts',
      'test/report/test-metrics.test.ts',
      'test/report/workflow-commands.test.ts',
      'test/suite/attr-path.test.ts',
      'test/suite/load-suite.test.ts',
      'test/util/compare-text.test.ts',
    ],
    maxWorkers: 2,
  },
});
