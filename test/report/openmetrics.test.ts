/**
 * `comply --format openmetrics` (compliance.prom) and `test --reporter openmetrics`
 * (results.prom): the Prometheus text exposition format node_exporter's textfile collector
 * reads, parsed with parse-prometheus-text-format and compared with the JSON results of the
 * same runs; recipes/grafana-dashboard.json queries only what they emit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import parsePrometheus, { type ParsedFamily } from 'parse-prometheus-text-format';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceResult } from '../../src/compliance/run-comply.js';
import { CONTROL_STATUSES, SEVERITIES } from '../../src/compliance/types.js';
import { renderExposition } from '../../src/report/exposition-format.js';
import type { RunResult } from '../../src/result/model.js';
import { REPO, tempDir } from '../helpers/paths.js';

const out = tempDir();
const cache = tempDir();
const cli = (...args: string[]) => execa('npx', ['tsx', 'src/cli/bin.ts', ...args, '--out', out], { cwd: REPO, reject: false, env: { XDG_CACHE_HOME: cache } });
let compliance: { text: string; parsed: ParsedFamily[]; result: ComplianceResult };
let tests: { text: string; parsed: ParsedFamily[]; result: RunResult };

beforeAll(async () => {
  const comply = await cli('comply', '--host', 'bare,k3s-node', '--profile', 'cis-l1-server', '--format', 'openmetrics,json');
  expect(comply.stderr).toBe('');
  const test = await cli('test', '--suite', 'suites/unit/laptop.yaml', '--suite', 'suites/unit/bare.yaml', '--reporter', 'openmetrics', '--reporter', 'json');
  expect(test.stderr).toBe('');
  const load = <T>(prom: string, json: string) => {
    const text = readFileSync(join(out, prom), 'utf8');
    return { text, parsed: parsePrometheus(text), result: JSON.parse(readFileSync(join(out, json), 'utf8')) as T };
  };
  compliance = load<ComplianceResult>('compliance.prom', 'compliance.json');
  tests = load<RunResult>('results.prom', 'results.json');
}, 180_000);

/** What node_exporter's textfile collector insists on, beyond what the parser checks. */
function expectTextfileFormat(text: string, parsed: ParsedFamily[]): void {
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.trimEnd().split('\n');
  const seen = new Set<string>();
  for (const family of parsed) {
    expect(family.name).toMatch(/^nixcheck_[a-z_]+$/);
    expect(family.type).toBe('GAUGE');
    expect(family.help.length).toBeGreaterThan(10);
    // HELP and TYPE come first, once, then the samples.
    const first = lines.findIndex((l) => l.startsWith(`${family.name}{`) || l.startsWith(`${family.name} `));
    expect(lines.indexOf(`# TYPE ${family.name} gauge`)).toBe(first - 1);
    expect(lines[first - 2]).toMatch(new RegExp(`^# HELP ${family.name} `));
    for (const m of family.metrics) {
      expect(m.timestamp_ms, `${family.name}: no sample timestamps`).toBeUndefined();
      expect(Number.isFinite(Number(m.value)), `${family.name} ${m.value}`).toBe(true);
      const key = JSON.stringify([family.name, Object.entries(m.labels ?? {}).sort()]);
      expect(seen.has(key), `duplicate series ${key}`).toBe(false);
      seen.add(key);
    }
  }
  expect(lines.filter((l) => !l.startsWith('#')).length).toBe(seen.size);
}

const samples = (parsed: ParsedFamily[], name: string) => parsed.find((f) => f.name === name)?.metrics ?? [];
const value = (parsed: ParsedFamily[], name: string, labels: Record<string, string>) => {
  const hits = samples(parsed, name).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  expect(hits, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return Number(hits[0]!.value);
};

describe('compliance.prom', () => {
  it('is the text exposition format the textfile collector reads', () => expectTextfileFormat(compliance.text, compliance.parsed));

  it('carries the scores per host, framework and profile of compliance.json', () => {
    const run = { run_profile: 'cis-l1-server' };
    for (const host of ['bare', 'k3s-node']) {
      const s = compliance.result.scores[host]!;
      expect(value(compliance.parsed, 'nixcheck_compliance_score_percent', { ...run, host, framework: 'all', kind: 'weighted' })).toBeCloseTo(s.overall.weighted!, 10);
      expect(value(compliance.parsed, 'nixcheck_compliance_score_percent', { ...run, host, framework: 'all', kind: 'ratio' })).toBeCloseTo(s.overall.ratio!, 10);
      for (const [framework, fs] of Object.entries(s.frameworks)) {
        expect(value(compliance.parsed, 'nixcheck_compliance_score_percent', { ...run, host, framework, kind: 'weighted' })).toBeCloseTo(fs.weighted!, 10);
      }
      for (const [profile, ps] of Object.entries(s.profiles)) {
        expect(value(compliance.parsed, 'nixcheck_compliance_profile_score_percent', { ...run, host, profile, kind: 'weighted' })).toBeCloseTo(ps.weighted!, 10);
      }
    }
    // compliance/EXPECTED.md: bare scores 38.81 on cis-l1-server, k3s-node 71.12.
    expect(value(compliance.parsed, 'nixcheck_compliance_score_percent', { ...run, host: 'bare', framework: 'all', kind: 'weighted' })).toBeCloseTo(38.81, 2);
    expect(value(compliance.parsed, 'nixcheck_compliance_score_percent', { ...run, host: 'k3s-node', framework: 'all', kind: 'weighted' })).toBeCloseTo(71.12, 2);
  });

  it('counts verdicts per host, status and severity, zeros included', () => {
    const controls = samples(compliance.parsed, 'nixcheck_compliance_controls');
    expect(controls).toHaveLength(2 * CONTROL_STATUSES.length * SEVERITIES.length);
    for (const m of controls) {
      const { host, status, severity } = m.labels!;
      expect(Number(m.value), `${host} ${status} ${severity}`).toBe(compliance.result.results.filter((r) => r.host === host && r.status === status && r.severity === severity).length);
    }
    // compliance/EXPECTED.md: bare fails 32 controls of cis-l1-server.
    expect(controls.filter((m) => m.labels!.host === 'bare' && m.labels!.status === 'fail').reduce((n, m) => n + Number(m.value), 0)).toBe(32);
  });

  it('says when the run finished and whether its gate failed', () => {
    expect(value(compliance.parsed, 'nixcheck_compliance_last_run_timestamp_seconds', {})).toBe(Date.parse(compliance.result.generatedAt) / 1000);
    // No gate given: the failing controls fail the run.
    expect(value(compliance.parsed, 'nixcheck_compliance_gate_failed', {})).toBe(1);
  });
});

describe('results.prom', () => {
  it('is the text exposition format the textfile collector reads', () => expectTextfileFormat(tests.text, tests.parsed));

  it('counts cases per suite, target and verdict, as results.json has them', () => {
    const cases = samples(tests.parsed, 'nixcheck_test_cases');
    const total = (verdict: string) => cases.filter((m) => m.labels!.verdict === verdict).reduce((n, m) => n + Number(m.value), 0);
    expect({ pass: total('pass'), fail: total('fail'), error: total('error'), skip: total('skip') }).toEqual({
      pass: tests.result.summary.pass,
      fail: tests.result.summary.fail,
      error: tests.result.summary.error,
      skip: tests.result.summary.skip,
    });
    // suites/unit/EXPECTED.md: laptop 41 pass and 1 skip; bare 24 pass and 2 findings.
    expect(value(tests.parsed, 'nixcheck_test_cases', { target: 'laptop', verdict: 'pass' })).toBe(41);
    expect(value(tests.parsed, 'nixcheck_test_cases', { target: 'bare', verdict: 'fail' })).toBe(2);
    expect(value(tests.parsed, 'nixcheck_test_last_run_timestamp_seconds', {})).toBe(Date.parse(tests.result.startedAt) / 1000);
  });
});

describe('the exposition writer', () => {
  it('escapes label values and help text, and refuses names Prometheus cannot read', () => {
    const text = renderExposition([{ name: 'nixcheck_x', help: 'a\\b\nc', type: 'gauge', samples: [{ labels: { host: 'we"ird\\host\nname' }, value: 1 }] }]);
    expect(text).toBe('# HELP nixcheck_x a\\\\b\\nc\n# TYPE nixcheck_x gauge\nnixcheck_x{host="we\\"ird\\\\host\\nname"} 1\n');
    expect(parsePrometheus(text)[0]!.metrics[0]!.labels).toEqual({ host: 'we"ird\\host\nname' });
    expect(() => renderExposition([{ name: 'nixcheck-x', help: 'h', type: 'gauge', samples: [] }])).toThrow(/invalid metric name/);
    expect(() => renderExposition([{ name: 'x', help: 'h', type: 'gauge', samples: [{ labels: { 'a-b': '1' }, value: 1 }] }])).toThrow(/invalid label name/);
  });
});

describe('recipes/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(join(REPO, 'recipes/grafana-dashboard.json'), 'utf8'));
  const exprs: string[] = [
    ...dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr)),
    ...dashboard.templating.list.flatMap((v: { query?: { query?: string } }) => (v.query?.query ? [v.query.query] : [])),
  ];

  it('queries only metrics nixcheck emits, with labels and values they carry', () => {
    const emitted = [...compliance.parsed, ...tests.parsed];
    const used = new Set<string>();
    for (const expr of exprs) {
      for (const m of expr.matchAll(/\b(nixcheck_[a-z_]+)(?:\{([^}]*)\})?/g)) {
        const family = emitted.find((f) => f.name === m[1]);
        expect(family, `${m[1]} in ${expr}`).toBeDefined();
        used.add(m[1]!);
        for (const matcher of (m[2] ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
          const [, label, op, wanted] = /^([a-z_]+)\s*(=~|!~|!=|=)\s*"(.*)"$/.exec(matcher) ?? [];
          expect(label, `${matcher} in ${expr}`).toBeDefined();
          expect(family!.metrics.some((s) => s.labels?.[label!] !== undefined), `${m[1]} has no label ${label}`).toBe(true);
          // A literal value (not a dashboard variable) must match some sample.
          if (!wanted!.includes('$')) {
            const re = new RegExp(`^(?:${op!.includes('~') ? wanted : wanted!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})$`);
            expect(family!.metrics.some((s) => re.test(s.labels?.[label!] ?? '') === !op!.startsWith('!')), `${matcher} in ${expr}`).toBe(true);
          }
        }
      }
      for (const by of expr.matchAll(/by \(([^)]*)\)/g)) for (const label of by[1]!.split(',').map((l) => l.trim())) expect(label).toMatch(/^(host|severity|verdict|suite|target|status|framework|profile|kind|run_profile)$/);
    }
    expect(used.size).toBeGreaterThanOrEqual(7);
  });
});
