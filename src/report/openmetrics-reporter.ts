import type { RunResult, Verdict } from '../result/model.js';
import { epochSeconds, renderExposition, type MetricFamily } from './exposition-format.js';
import type { Reporter } from './reporter.js';

const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'error', 'skip'];

/** `nixcheck test`'s metrics for node_exporter's textfile collector (see docs/ecosystem.md). */
export function testMetrics(result: RunResult): MetricFamily[] {
  const groups = new Map<string, { suite: string; target: string; counts: Record<Verdict, number> }>();
  for (const c of result.cases) {
    const key = JSON.stringify([c.suite, c.target.label]);
    const group = groups.get(key) ?? { suite: c.suite, target: c.target.label, counts: { pass: 0, fail: 0, error: 0, skip: 0 } };
    group.counts[c.verdict]++;
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort((a, b) => a.suite.localeCompare(b.suite) || a.target.localeCompare(b.target));
  return [
    {
      name: 'nixcheck_test_cases',
      help: 'Test cases of the last nixcheck test run, per suite, target and verdict.',
      type: 'gauge',
      samples: sorted.flatMap((g) => VERDICTS.map((verdict) => ({ labels: { suite: g.suite, target: g.target, verdict }, value: g.counts[verdict] }))),
    },
    {
      name: 'nixcheck_test_last_run_timestamp_seconds',
      help: 'When the last nixcheck test run started (seconds since the epoch).',
      type: 'gauge',
      samples: [{ labels: {}, value: epochSeconds(result.startedAt) }],
    },
    {
      name: 'nixcheck_test_run_duration_seconds',
      help: 'How long the last nixcheck test run took.',
      type: 'gauge',
      samples: [{ labels: {}, value: result.durationMs / 1000 }],
    },
  ];
}

/** reports/results.prom: the Prometheus text exposition format of testMetrics. */
export function openmetricsReporter(fileName = 'results.prom'): Reporter {
  return {
    name: 'openmetrics',
    files: (result: RunResult) => [{ name: fileName, render: () => renderExposition(testMetrics(result)) }],
  };
}
