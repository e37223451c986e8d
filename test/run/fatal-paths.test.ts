import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTests } from '../../src/run/test-run.js';
import { ENGINE_FLAKE, tempDir } from '../helpers/paths.js';

/**
 * A target where twelve paths abort and one is healthy: every path has its own outcome,
 * and a `throws:` case passes only on its own path's error, never on another path's.
 */
describe('a target with twelve aborting paths and a healthy one', () => {
  it('evaluates every path, and judges each `throws:` against its own error', async () => {
    const dir = tempDir();
    const cases = [
      ...Array.from({ length: 12 }, (_, i) => `  - name: a${i} aborts\n    path: aborts.a${i}\n    throws: "'boom ${i}'"`),
      // a11's own error is "boom 11": an expectation of another path's error must fail.
      `  - name: a11 does not throw boom 10\n    path: aborts.a11\n    throws: "'boom 10'"`,
      '  - name: fine is evaluated\n    path: aborts.fine\n    equals: still here',
    ];
    writeFileSync(join(dir, 'fatal.yaml'), `targets: [{ flakeAttr: nixosConfigurations.edge }]\ncases:\n${cases.join('\n')}\n`);
    const result = await runTests({
      flake: ENGINE_FLAKE,
      baseDir: dir,
      suites: [join(dir, 'fatal.yaml')],
      hostsAttr: 'nixosConfigurations',
      jobs: 1,
      timeoutMs: 120_000,
      cacheDir: null,
      outDir: join(dir, 'reports'),
      reporters: [],
    });
    const verdict = (name: string) => result.cases.find((c) => c.name === name)!;
    for (let i = 0; i < 12; i++) {
      expect(verdict(`a${i} aborts`).verdict).toBe('pass');
      expect(verdict(`a${i} aborts`).error).toMatch(new RegExp(`'boom ${i}'`));
    }
    expect(verdict('a11 does not throw boom 10')).toMatchObject({ verdict: 'fail' });
    expect(verdict('a11 does not throw boom 10').error).toMatch(/'boom 11'/);
    expect(verdict('fine is evaluated')).toMatchObject({ verdict: 'pass', actual: 'still here' });
  });
});
