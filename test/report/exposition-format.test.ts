/** The exact text of the Prometheus exposition format (openmetrics.test.ts parses what the CLI writes). */
import { describe, expect, it } from 'vitest';
import { epochSeconds, renderExposition, type MetricFamily } from '../../src/report/exposition-format.js';

const family = (more: Partial<MetricFamily> = {}): MetricFamily => ({ name: 'nixcheck_cases', help: 'Cases.', type: 'gauge', samples: [], ...more });

describe('renderExposition', () => {
  it('HELP and TYPE per family, one sample per line, labels in order, a final newline', () => {
    expect(
      renderExposition([
        family({ samples: [{ labels: { verdict: 'pass', suite: 's' }, value: 3 }, { labels: {}, value: 0.5 }] }),
        family({ name: 'nixcheck_run:seconds', help: 'Time.', samples: [{ labels: {}, value: 12 }] }),
      ]),
    ).toBe(
      [
        '# HELP nixcheck_cases Cases.',
        '# TYPE nixcheck_cases gauge',
        'nixcheck_cases{verdict="pass",suite="s"} 3',
        'nixcheck_cases 0.5',
        '# HELP nixcheck_run:seconds Time.',
        '# TYPE nixcheck_run:seconds gauge',
        'nixcheck_run:seconds 12',
        '',
      ].join('\n'),
    );
  });

  it('escapes help text and label values', () => {
    expect(renderExposition([family({ help: 'a\\b\nc "d"', samples: [{ labels: { l: 'x\\y\nz "q"' }, value: 1 }] })])).toBe(
      '# HELP nixcheck_cases a\\\\b\\nc "d"\n# TYPE nixcheck_cases gauge\nnixcheck_cases{l="x\\\\y\\nz \\"q\\""} 1\n',
    );
  });

  it('writes special values as the format spells them', () => {
    const text = renderExposition([family({ samples: [Number.NaN, Infinity, -Infinity, -2].map((value) => ({ labels: {}, value })) })]);
    expect(text.split('\n').slice(2, 6)).toEqual(['nixcheck_cases NaN', 'nixcheck_cases +Inf', 'nixcheck_cases -Inf', 'nixcheck_cases -2']);
  });

  it('refuses metric and label names the format does not allow', () => {
    for (const name of ['1x', 'a-b', '', 'a b', 'x\n']) expect(() => renderExposition([family({ name })]), name).toThrow(`invalid metric name ${JSON.stringify(name)}`);
    for (const label of ['1x', 'a:b', '', '__reserved', 'a-b', 'x\n']) {
      expect(() => renderExposition([family({ samples: [{ labels: { [label]: 'v' }, value: 1 }] })]), label).toThrow(`invalid label name ${JSON.stringify(label)} on nixcheck_cases`);
    }
    expect(renderExposition([family({ name: '_a:b9', samples: [{ labels: { _x9: 'v' }, value: 1 } ] })])).toContain('_a:b9{_x9="v"} 1');
  });

  it('nothing to write is a newline', () => {
    expect(renderExposition([])).toBe('\n');
  });
});

describe('epochSeconds', () => {
  it('seconds since the epoch, with milliseconds as a fraction', () => {
    expect(epochSeconds('1970-01-01T00:00:01.500Z')).toBe(1.5);
    expect(epochSeconds('2026-01-01T00:00:00Z')).toBe(1767225600);
  });
});
