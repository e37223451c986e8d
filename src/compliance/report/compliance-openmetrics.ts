import { epochSeconds, renderExposition, type MetricFamily } from '../../report/exposition-format.js';
import type { ReportFile } from '../../util/atomic-write.js';
import type { ComplianceResult } from '../run-comply.js';
import type { Score } from '../score.js';
import { CONTROL_STATUSES, SEVERITIES } from '../types.js';

/**
 * `nixcheck comply`'s metrics for node_exporter's textfile collector (see
 * docs/ecosystem.md). Every sample carries `run_profile` (the profile the run scored, or
 * `all`), so runs of several profiles can sit side by side in one textfile directory.
 */
export function complianceMetrics(r: ComplianceResult): MetricFamily[] {
  const run = { run_profile: r.profile?.id ?? 'all' };
  const scoreSamples = (labels: (host: string) => Record<string, Score>, key: string) =>
    r.hosts.flatMap((h) =>
      Object.entries(labels(h.name)).flatMap(([name, s]) =>
        (['weighted', 'ratio'] as const).flatMap((kind) => (s[kind] === null ? [] : [{ labels: { ...run, host: h.name, [key]: name, kind }, value: s[kind]! }])),
      ),
    );
  const scores = (host: string) => r.scores[host];
  return [
    {
      name: 'nixcheck_compliance_score_percent',
      help: 'Compliance score per host and framework (all: every control of the run), weighted by impact or the flat pass ratio.',
      type: 'gauge',
      samples: scoreSamples((h) => (scores(h) ? { all: scores(h)!.overall, ...scores(h)!.frameworks } : {}), 'framework'),
    },
    {
      name: 'nixcheck_compliance_profile_score_percent',
      help: 'Compliance score per host and profile, weighted by impact or the flat pass ratio.',
      type: 'gauge',
      samples: scoreSamples((h) => scores(h)?.profiles ?? {}, 'profile'),
    },
    {
      name: 'nixcheck_compliance_controls',
      help: 'Control verdicts per host, status and severity.',
      type: 'gauge',
      samples: r.hosts.flatMap((h) =>
        CONTROL_STATUSES.flatMap((status) =>
          SEVERITIES.map((severity) => ({
            labels: { ...run, host: h.name, status, severity },
            value: r.results.filter((x) => x.host === h.name && x.status === status && x.severity === severity).length,
          })),
        ),
      ),
    },
    {
      name: 'nixcheck_compliance_gate_failed',
      help: '1 when a gate of the run (--fail-under, --fail-on) failed, else 0.',
      type: 'gauge',
      samples: [{ labels: run, value: r.gate.failed ? 1 : 0 }],
    },
    {
      name: 'nixcheck_compliance_last_run_timestamp_seconds',
      help: 'When the compliance run finished (seconds since the epoch).',
      type: 'gauge',
      samples: [{ labels: run, value: epochSeconds(r.generatedAt) }],
    },
    {
      name: 'nixcheck_compliance_run_duration_seconds',
      help: 'How long the compliance run took.',
      type: 'gauge',
      samples: [{ labels: run, value: r.durationMs / 1000 }],
    },
  ];
}

export function complianceOpenMetricsFile(result: ComplianceResult): ReportFile {
  return { name: 'compliance.prom', render: () => renderExposition(complianceMetrics(result)) };
}
