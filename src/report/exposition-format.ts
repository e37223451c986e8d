/**
 * The Prometheus text exposition format (version 0.0.4), as node_exporter's textfile
 * collector reads it: per metric family a `# HELP` and a `# TYPE` line, then one sample
 * per line. No sample timestamps (the collector rejects them); a run's time is a metric.
 */
export interface MetricFamily {
  /** `nixcheck_...`: [a-zA-Z_:][a-zA-Z0-9_:]* */
  name: string;
  help: string;
  type: 'gauge';
  samples: { labels: Record<string, string>; value: number }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function formatNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`invalid metric name ${JSON.stringify(f.name)}`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => {
        if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(k)} on ${f.name}`);
        return `${k}="${escapeLabel(v)}"`;
      });
      lines.push(`${f.name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatNumber(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Seconds since the epoch of an ISO time, as the `*_timestamp_seconds` metrics carry it. */
export const epochSeconds = (iso: string) => Date.parse(iso) / 1000;
