/**
 * `nixcheck test`'s metrics (results.prom) in process; openmetrics.test.ts parses what the
 * CLI writes with a Prometheus parser.
 */
import { describe, expect, it } from 'vitest';
import { openmetricsReporter, testMetrics } from '../../src/report/openmetrics-reporter.js';
import { makeCase, runResult } from '../helpers/results.js';

describe('testMetrics', () => {
  it('counts every verdict per suite and target, sorted by suite then target, with the run time and duration', () => {
    const laptop = { label: 'laptop', host: 'laptop' };
    const desktop = { label: 'desktop', host: 'desktop' };
    const result = runResult([
      makeCase(1, 'pass', { suite: 'net', target: laptop }),
      makeCase(2, 'fail', { suite: 'net', target: laptop }),
      makeCase(3, 'pass', { suite: 'net', target: laptop }),
      makeCase(4, 'error', { suite: 'net', target: desktop }),
      makeCase(5, 'skip', { suite: 'boot', target: laptop }),
    ]);
    result.startedAt = '2026-01-02T03:04:05.500Z';
    result.durationMs = 2500;
    expect(openmetricsReporter().files!(result)[0]!.render()).toBe(
      [
        '# HELP nixcheck_test_cases Test cases of the last nixcheck test run, per suite, target and verdict.',
        '# TYPE nixcheck_test_cases gauge',
        'nixcheck_test_cases{suite="boot",target="laptop",verdict="pass"} 0',
        'nixcheck_test_cases{suite="boot",target="laptop",verdict="fail"} 0',
        'nixcheck_test_cases{suite="boot",target="laptop",verdict="error"} 0',
        'nixcheck_test_cases{suite="boot",target="laptop",verdict="skip"} 1',
        'nixcheck_test_cases{suite="net",target="desktop",verdict="pass"} 0',
        'nixcheck_test_cases{suite="net",target="desktop",verdict="fail"} 0',
        'nixcheck_test_cases{suite="net",target="desktop",verdict="error"} 1',
        'nixcheck_test_cases{suite="net",target="desktop",verdict="skip"} 0',
        'nixcheck_test_cases{suite="net",target="laptop",verdict="pass"} 2',
        'nixcheck_test_cases{suite="net",target="laptop",verdict="fail"} 1',
        'nixcheck_test_cases{suite="net",target="laptop",verdict="error"} 0',
        'nixcheck_test_cases{suite="net",target="laptop",verdict="skip"} 0',
        '# HELP nixcheck_test_last_run_timestamp_seconds When the last nixcheck test run started (seconds since the epoch).',
        '# TYPE nixcheck_test_last_run_timestamp_seconds gauge',
        'nixcheck_test_last_run_timestamp_seconds 1767323045.5',
        '# HELP nixcheck_test_run_duration_seconds How long the last nixcheck test run took.',
        '# TYPE nixcheck_test_run_duration_seconds gauge',
        'nixcheck_test_run_duration_seconds 2.5',
        '',
      ].join('\n'),
    );
  });

  it('keeps a suite and a target apart whatever their names hold', () => {
    const samples = testMetrics(runResult([makeCase(1, 'pass', { suite: 'a', target: { label: 'b,c' } }), makeCase(2, 'pass', { suite: 'a,b', target: { label: 'c' } })]))[0]!.samples;
    expect(samples.filter((s) => s.value === 1).map((s) => s.labels)).toEqual([
      { suite: 'a', target: 'b,c', verdict: 'pass' },
      { suite: 'a,b', target: 'c', verdict: 'pass' },
    ]);
  });

  it('no cases: no samples of the counts', () => {
    expect(testMetrics(runResult([]))[0]!.samples).toEqual([]);
  });
});

describe('openmetricsReporter', () => {
  it('makes results.prom unless named otherwise', () => {
    const reporter = openmetricsReporter();
    expect(reporter.name).toBe('openmetrics');
    expect(reporter.files!(runResult([])).map((f) => f.name)).toEqual(['results.prom']);
    expect(openmetricsReporter('x.prom').files!(runResult([])).map((f) => f.name)).toEqual(['x.prom']);
  });
});
