import { describe, expect, it } from 'vitest';
import { terminalReporter } from '../../src/report/terminal-reporter.js';
import { FakeStdout, makeCase, runResult } from '../helpers/results.js';

describe('terminal reporter', () => {
  it('cuts a 5 MB expected value instead of printing it (twice: expected and why)', async () => {
    const huge = JSON.stringify('z'.repeat(5_000_000));
    const c = makeCase(1, 'fail', { expected: `equals ${huge}`, message: `expected ${huge}`, actual: 'small' });
    const out = new FakeStdout();
    await terminalReporter({ out, progress: out, color: false }).finish!(runResult([c]), '');
    expect(out.text.length).toBeLessThan(2_000);
    expect(out.text).toMatch(/expected: equals "z{190,}…/);
    expect(out.text).toMatch(/why: {6}expected "z{190,}…/);
  });
});
