import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatProblem, formatSummaryLine, terminalReporter } from '../../src/report/terminal-reporter.js';
import { FakeStdout, makeCase, runResult, userEvidence } from '../helpers/results.js';

const ESC = '\u001b';

/** A stream that says it is a terminal. */
function tty(): FakeStdout & { isTTY: boolean } {
  return Object.assign(new FakeStdout(), { isTTY: true });
}

const evidence = userEvidence('a.b1', 7, 50);

/** Marks each paint with its name, so a test sees which text got which color. */
const tagged = { red: (t: string) => `<red>${t}</red>`, green: (t: string) => `<green>${t}</green>`, yellow: (t: string) => `<yellow>${t}</yellow>`, dim: (t: string) => `<dim>${t}</dim>`, bold: (t: string) => `<bold>${t}</bold>` };

afterEach(() => {
  vi.unstubAllEnvs();
});

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

  it('prints every failure and error in full, then the summary, and makes no report file', async () => {
    const out = new FakeStdout();
    const reporter = terminalReporter({ out, progress: out, color: false });
    expect(reporter.name).toBe('terminal');
    const result = runResult([makeCase(1, 'pass'), makeCase(2, 'fail'), makeCase(3, 'skip'), makeCase(4, 'error')]);
    expect(await reporter.finish!(result, 'reports')).toEqual([]);
    expect(out.text).toBe(
      [
        'FAIL case 2 [laptop]',
        '  at suites/unit/demo.yaml:12:5 (demo)',
        '  path:     a.b2',
        '  expected: equals true',
        '  actual:   false',
        '',
        'ERROR case 4 [laptop]',
        '  at suites/unit/demo.yaml:14:5 (demo)',
        '  path:     a.b4',
        '  expected: equals true',
        '  error:    error: boom 4',
        '            second line',
        '',
        '',
        'nixcheck 1 passed, 1 failed, 1 errors, 1 skipped (4 checks, 1 target, 1.23 s)',
        '',
      ].join('\n'),
    );
  });

  it('colors when told to, or when stdout is a terminal and NO_COLOR is unset', async () => {
    const result = runResult([makeCase(1, 'fail')]);
    const colored = tty();
    vi.stubEnv('NO_COLOR', '');
    await terminalReporter({ out: colored, progress: new FakeStdout() }).finish!(result, '');
    expect(colored.text).toContain(`${ESC}[31mFAIL${ESC}[0m ${ESC}[1mcase 1${ESC}[0m ${ESC}[2m[laptop]${ESC}[0m`);
    expect(colored.text).toContain(`${ESC}[1mnixcheck${ESC}[0m 0 passed, ${ESC}[31m1 failed${ESC}[0m, 0 errors`);

    vi.stubEnv('NO_COLOR', '1');
    const noColor = tty();
    await terminalReporter({ out: noColor, progress: new FakeStdout() }).finish!(result, '');
    expect(noColor.text).not.toContain(ESC);

    vi.stubEnv('NO_COLOR', '');
    const pipe = new FakeStdout();
    await terminalReporter({ out: pipe, progress: new FakeStdout() }).finish!(result, '');
    expect(pipe.text).not.toContain(ESC);

    const forced = new FakeStdout();
    await terminalReporter({ out: forced, progress: new FakeStdout(), color: true }).finish!(result, '');
    expect(forced.text).toContain(`${ESC}[31mFAIL${ESC}[0m`);
  });

  it('shows progress on a terminal: the target being evaluated, then each finished one', () => {
    const progress = tty();
    const reporter = terminalReporter({ out: new FakeStdout(), progress, color: false });
    reporter.onEvent!({ type: 'run-start', cases: 3, targets: 2 });
    reporter.onEvent!({ type: 'target-start', target: 'laptop', items: 12 });
    reporter.onEvent!({ type: 'target-end', target: 'laptop', items: 12, durationMs: 1500, cached: false, processes: 3 });
    reporter.onEvent!({ type: 'case', result: makeCase(1, 'pass') });
    reporter.onEvent!({ type: 'target-end', target: 'desktop', items: 4, durationMs: 1, cached: true, processes: 0 });
    expect(progress.text).toBe(
      `\r${ESC}[Kevaluating laptop (12 values)…` + `\r${ESC}[K[1/2] laptop: 1.50 s, 3 nix process(es)\n` + `\r${ESC}[K[2/2] desktop: cached\n`,
    );
  });

  it('after a finished target, shows again the newest of those still being evaluated', () => {
    const progress = tty();
    const reporter = terminalReporter({ out: new FakeStdout(), progress, color: false });
    reporter.onEvent!({ type: 'run-start', cases: 5, targets: 5 });
    for (const [target, items] of [['a', 1], ['b', 2], ['c', 3], ['d', 4]] as const) reporter.onEvent!({ type: 'target-start', target, items });
    const shown = () => progress.text.slice(progress.text.lastIndexOf('\r'));
    const end = (target: string, cached = false) => reporter.onEvent!({ type: 'target-end', target, items: 1, durationMs: 10, cached, processes: cached ? 0 : 1 });
    expect(shown()).toBe(`\r${ESC}[Kevaluating d (4 values)…`);
    end('d');
    expect(progress.text.endsWith(`\r${ESC}[K[1/5] d: 0.01 s, 1 nix process(es)\n\r${ESC}[Kevaluating c (3 values)…`)).toBe(true);
    end('a');
    expect(shown()).toBe(`\r${ESC}[Kevaluating c (3 values)…`);
    // An answer from the cache, for a target never shown as running.
    end('e', true);
    expect(progress.text.endsWith(`\r${ESC}[K[3/5] e: cached\n\r${ESC}[Kevaluating c (3 values)…`)).toBe(true);
    end('c');
    expect(shown()).toBe(`\r${ESC}[Kevaluating b (2 values)…`);
    end('b');
    expect(shown()).toBe(`\r${ESC}[K[5/5] b: 0.01 s, 1 nix process(es)\n`);
  });

  it('shows no progress when its stream is no terminal', () => {
    const progress = new FakeStdout();
    const reporter = terminalReporter({ out: tty(), progress, color: true });
    reporter.onEvent!({ type: 'run-start', cases: 1, targets: 1 });
    reporter.onEvent!({ type: 'target-start', target: 'laptop', items: 1 });
    reporter.onEvent!({ type: 'target-end', target: 'laptop', items: 1, durationMs: 1, cached: false, processes: 1 });
    expect(progress.text).toBe('');
  });

  it('dims progress when colored', () => {
    const progress = tty();
    const reporter = terminalReporter({ out: new FakeStdout(), progress, color: true });
    reporter.onEvent!({ type: 'target-start', target: 'laptop', items: 1 });
    expect(progress.text).toBe(`\r${ESC}[K${ESC}[2mevaluating laptop (1 values)…${ESC}[0m`);
  });
});

describe('formatSummaryLine', () => {
  it('paints only the counts that are not zero', () => {
    const result = runResult([makeCase(1, 'pass'), makeCase(2, 'fail'), makeCase(3, 'error'), makeCase(4, 'skip')]);
    expect(formatSummaryLine(result, tagged)).toBe(
      '<bold>nixcheck</bold> <green>1 passed</green>, <red>1 failed</red>, <yellow>1 errors</yellow>, 1 skipped <dim>(4 checks, 1 target, 1.23 s)</dim>',
    );
    expect(formatSummaryLine(runResult([makeCase(1, 'skip')]), tagged)).toBe('<bold>nixcheck</bold> 0 passed, 0 failed, 0 errors, 1 skipped <dim>(1 checks, 1 target, 1.23 s)</dim>');
  });

  it('counts targets, in the plural, and those from the cache', () => {
    const result = runResult([makeCase(1, 'pass')]);
    result.evaluations = [
      { target: 'a', durationMs: 1, cached: true, processes: 0 },
      { target: 'b', durationMs: 1, cached: false, processes: 1 },
      { target: 'c', durationMs: 1, cached: true, processes: 0 },
    ];
    expect(formatSummaryLine(result)).toBe('nixcheck 1 passed, 0 failed, 0 errors, 0 skipped (1 checks, 3 targets, 2 from cache, 1.23 s)');
    result.evaluations = [];
    expect(formatSummaryLine(result)).toBe('nixcheck 1 passed, 0 failed, 0 errors, 0 skipped (1 checks, 0 targets, 1.23 s)');
  });
});

describe('formatProblem', () => {
  it('a failure with a with override, its type, why it failed and where the value was defined', () => {
    const c = makeCase(1, 'fail', { target: { label: 'laptop', with: { a: 1 } }, actualType: 'path', message: 'expected true', evidence });
    expect(formatProblem(c, tagged)).toBe(
      [
        '<red>FAIL</red> <bold>case 1</bold> <dim>[laptop]</dim>',
        '  at suites/unit/demo.yaml:11:5 (demo)',
        '  path:     a.b1<dim> with {"a":1}</dim>',
        '  expected: equals true',
        '  actual:   false (path)',
        '  why:      expected true',
        '  defined:  hosts/laptop.nix:7 (mkForce)',
        '',
      ].join('\n'),
    );
  });

  it('an error: attr for a non-config root, the error lines indented, no why', () => {
    const c = makeCase(2, 'error', { root: 'attr', message: 'evaluation failed' });
    expect(formatProblem(c, tagged)).toBe(
      [
        '<yellow>ERROR</yellow> <bold>case 2</bold> <dim>[laptop]</dim>',
        '  at suites/unit/demo.yaml:12:5 (demo)',
        '  attr:     a.b2',
        '  expected: equals true',
        '  error:    error: boom 2',
        '            second line',
        '',
      ].join('\n'),
    );
  });

  it('a path that does not exist', () => {
    expect(formatProblem(makeCase(3, 'fail', { exists: false, actual: undefined }), tagged)).toContain('  actual:   (path does not exist)\n');
  });
});
