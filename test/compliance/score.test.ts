import { describe, expect, it } from 'vitest';
import { byCisLevel, byFramework, byHost, bySeverity, changeOrder, combineGates, compareBaseline, countStatuses, failOn, failOnFindings, failUnder, score, scoreBy, byNistFamily, scoreReport, severityRank } from '../../src/compliance/score.js';
import type { ControlRefs, ControlStatus, ControlVerdict, Severity } from '../../src/compliance/types.js';
import { DEFAULT_IMPACT } from '../../src/compliance/types.js';

function v(controlId: string, status: ControlStatus, severity: Severity, refs: ControlRefs = {}, host = 'laptop', impact = DEFAULT_IMPACT[severity]): ControlVerdict {
  return { controlId, host, status, severity, impact, refs };
}

const cis1 = { cis: [{ id: '1.1', level: 1 as const, profiles: ['server' as const, 'workstation' as const] }] };
const cis2 = { cis: [{ id: '2.2', level: 2 as const, profiles: ['server' as const] }] };

describe('score', () => {
  it('weights by impact and leaves waived, not-applicable and manual out', () => {
    const s = score([
      v('a', 'pass', 'high'), // 0.7
      v('b', 'fail', 'medium'), // 0.5
      v('c', 'pass', 'low'), // 0.3
      v('d', 'waived', 'critical'),
      v('e', 'not-applicable', 'critical'),
      v('f', 'manual', 'high'),
    ]);
    expect(s.counts).toEqual({ pass: 2, fail: 1, error: 0, drift: 0, 'not-applicable': 1, waived: 1, manual: 1, total: 6 });
    expect(s.passedImpact).toBe(1);
    expect(s.scoredImpact).toBe(1.5);
    expect(s.weighted).toBe((1 / 1.5) * 100);
    expect(s.weighted!.toFixed(2)).toBe('66.67');
    expect(s.ratio).toBe((2 / 3) * 100);
  });

  it('counts error as not passed', () => {
    const s = score([v('a', 'pass', 'critical'), v('b', 'error', 'low'), v('c', 'fail', 'high', {}, 'laptop', 0.2)]);
    // 0.9 / (0.9 + 0.3 + 0.2) = 0.9 / 1.4
    expect(s.weighted).toBe((900 / 1400) * 100);
    expect(s.ratio).toBe((1 / 3) * 100);
    expect(s.counts.error).toBe(1);
  });

  it('counts drift as not passed: the running system is not what was scored', () => {
    const s = score([v('a', 'pass', 'high'), v('b', 'drift', 'medium')]);
    expect(s.weighted).toBe((700 / 1200) * 100);
    expect(s.counts.drift).toBe(1);
    expect(failOn([v('b', 'drift', 'medium')], 'low').reasons).toEqual(['laptop: b (medium) drifted']);
    expect(compareBaseline([v('b', 'pass', 'medium')], [v('b', 'drift', 'medium')]).newlyFailing).toMatchObject([{ controlId: 'b', before: 'pass', after: 'drift' }]);
  });

  it('without a gate, any finding that no waiver covers fails the run, per host', () => {
    expect(failOnFindings([v('a', 'pass', 'high'), v('b', 'waived', 'high'), v('c', 'manual', 'low'), v('d', 'not-applicable', 'low')])).toEqual({ failed: false, reasons: [] });
    expect(failOnFindings([v('a', 'fail', 'low'), v('b', 'error', 'low', {}, 'server'), v('c', 'drift', 'low', {}, 'server')])).toEqual({
      failed: true,
      reasons: ['laptop: 1 failing, 0 erroring, 0 drifting control(s)', 'server: 0 failing, 1 erroring, 1 drifting control(s)'],
    });
  });

  it('sums impacts exactly (no floating-point drift)', () => {
    const s = score([v('a', 'pass', 'low', {}, 'h', 0.1), v('b', 'pass', 'low', {}, 'h', 0.2), v('c', 'fail', 'low', {}, 'h', 0.3)]);
    expect(s.passedImpact).toBe(0.3);
    expect(s.weighted).toBe(50);
  });

  it('is null with nothing scorable, 100 with only passes', () => {
    expect(score([v('a', 'waived', 'high'), v('b', 'manual', 'low')])).toMatchObject({ weighted: null, ratio: null });
    expect(score([])).toMatchObject({ weighted: null, ratio: null, counts: { total: 0 } });
    expect(score([v('a', 'pass', 'low')])).toMatchObject({ weighted: 100, ratio: 100 });
  });

  it('groups by NIST family, counting a control once per family', () => {
    const g = scoreBy(
      [
        v('a', 'pass', 'high', { nist: ['AC-6(2)', 'AC-17a', 'IA-2'] }),
        v('b', 'fail', 'medium', { nist: ['AC-3'] }),
        v('c', 'fail', 'low', {}),
      ],
      byNistFamily,
    );
    expect(Object.keys(g)).toEqual(['AC', 'IA']);
    expect(g.AC!.counts.total).toBe(2);
    expect(g.AC!.weighted).toBe((700 / 1200) * 100);
    expect(g.IA!.weighted).toBe(100);
  });

  it('reports per host, framework, profile, cumulative CIS level, NIST family and severity', () => {
    const verdicts = [
      v('a', 'pass', 'high', { ...cis1, stig: ['V-268131'], nist: ['AC-6'] }),
      v('b', 'fail', 'medium', { ...cis2, nist: ['AU-2'] }),
      v('c', 'pass', 'low', cis1),
      v('a', 'fail', 'high', { ...cis1, stig: ['V-268131'], nist: ['AC-6'] }, 'k3s-1'),
    ];
    const r = scoreReport(verdicts, { 'cis-l1-server': ['a', 'c'], empty: [] });
    expect(Object.keys(r)).toEqual(['k3s-1', 'laptop']);
    const laptop = r.laptop!;
    expect(laptop.overall.weighted).toBe((1000 / 1500) * 100);
    expect(laptop.frameworks.cis!.counts.total).toBe(3);
    expect(laptop.frameworks.stig!.weighted).toBe(100);
    expect(laptop.frameworks.nist!.weighted).toBe((700 / 1200) * 100);
    expect(laptop.profiles['cis-l1-server']!.weighted).toBe(100);
    expect(laptop.profiles.empty!.weighted).toBeNull();
    expect(laptop.cisLevels['1']!.counts.total).toBe(2);
    expect(laptop.cisLevels['2']!.counts.total).toBe(3);
    expect(laptop.cisLevels['2']!.weighted).toBe((1000 / 1500) * 100);
    expect(Object.keys(laptop.nistFamilies)).toEqual(['AC', 'AU']);
    expect(laptop.severities.medium!.weighted).toBe(0);
    expect(r['k3s-1']!.overall).toMatchObject({ weighted: 0, ratio: 0 });
  });
});

describe('baseline comparison', () => {
  it('lists newly failing and newly passing controls and the score delta per host', () => {
    const before = [
      v('a', 'pass', 'high'),
      v('b', 'fail', 'medium'),
      v('c', 'error', 'low'),
      v('d', 'fail', 'low'),
      v('a', 'pass', 'high', {}, 'old-host'),
    ];
    const after = [
      v('a', 'fail', 'high'),
      v('b', 'pass', 'medium'),
      v('c', 'pass', 'low'),
      v('d', 'error', 'low'), // still failing: not new
      v('e', 'fail', 'critical'), // new control, failing
      v('a', 'pass', 'high', {}, 'new-host'),
    ];
    const d = compareBaseline(before, after);
    expect(d.newlyFailing).toEqual([
      { controlId: 'a', host: 'laptop', before: 'pass', after: 'fail', severity: 'high' },
      { controlId: 'e', host: 'laptop', after: 'fail', severity: 'critical' },
    ]);
    expect(d.newlyPassing.map((x) => [x.controlId, x.before])).toEqual([['b', 'fail'], ['c', 'error']]);
    // before: 0.7 / (0.7+0.5+0.3+0.3) = 0.7/1.8; after: (0.5+0.3) / (0.7+0.5+0.3+0.3+0.9) = 0.8/2.7
    expect(d.hosts.laptop!.before).toBe((700 / 1800) * 100);
    expect(d.hosts.laptop!.after).toBe((800 / 2700) * 100);
    expect(d.hosts.laptop!.delta).toBeCloseTo((800 / 2700 - 700 / 1800) * 100, 10);
    expect(d.hosts['old-host']).toEqual({ before: 100, after: null, delta: null });
    expect(d.hosts['new-host']).toEqual({ before: null, after: 100, delta: null });
  });
});

describe('gates', () => {
  const verdicts = [
    v('a', 'pass', 'high'),
    v('b', 'fail', 'medium'),
    v('c', 'waived', 'critical'),
    v('d', 'pass', 'low', {}, 'server'),
    v('e', 'error', 'critical', {}, 'server', 0.3),
  ];

  it('failUnder checks every host', () => {
    // laptop: 0.7/1.2 = 58.33; server: 0.3/0.6 = 50
    expect(failUnder(verdicts, 50)).toEqual({ failed: false, reasons: [] });
    expect(failUnder(verdicts, 55)).toEqual({ failed: true, reasons: ['server: weighted score 50 is below 55'] });
    expect(failUnder(verdicts, 60).reasons).toEqual([
      'laptop: weighted score 58.33 is below 60',
      'server: weighted score 50 is below 60',
    ]);
    expect(failUnder(verdicts, 51, 'ratio').failed).toBe(true);
    expect(failUnder([v('x', 'manual', 'high')], 99).failed).toBe(false);
  });

  it('failOn checks failures at or above a severity; waived ones do not count', () => {
    expect(failOn(verdicts, 'critical')).toEqual({ failed: true, reasons: ['server: e (critical) errored'] });
    expect(failOn(verdicts, 'medium').reasons).toEqual(['laptop: b (medium) failed', 'server: e (critical) errored']);
    expect(failOn(verdicts.filter((x) => x.controlId !== 'e'), 'high')).toEqual({ failed: false, reasons: [] });
  });

  it('combines gates', () => {
    const g = combineGates(failUnder(verdicts, 10), failOn(verdicts, 'critical'));
    expect(g).toEqual({ failed: true, reasons: ['server: e (critical) errored'] });
  });
});

describe('score edge cases', () => {
  it('with every scored impact zero, the weighted score is 100 only when all passed', () => {
    expect(score([v('a', 'pass', 'low', {}, 'h', 0), v('b', 'pass', 'low', {}, 'h', 0)])).toMatchObject({ weighted: 100, ratio: 100, scoredImpact: 0 });
    expect(score([v('a', 'pass', 'low', {}, 'h', 0), v('b', 'fail', 'low', {}, 'h', 0)])).toMatchObject({ weighted: 0, ratio: 50 });
    expect(score([v('a', 'fail', 'low', {}, 'h', 0)])).toMatchObject({ weighted: 0, ratio: 0 });
  });

  it('a failed control with zero impact does not lower the weighted score', () => {
    expect(score([v('a', 'pass', 'low'), v('b', 'fail', 'low', {}, 'h', 0)])).toMatchObject({ weighted: 100, ratio: 50 });
  });

  it('counts every status, and in total', () => {
    expect(countStatuses([v('a', 'drift', 'low'), v('b', 'drift', 'low'), v('c', 'pass', 'low')])).toEqual({
      pass: 1,
      fail: 0,
      error: 0,
      drift: 2,
      'not-applicable': 0,
      waived: 0,
      manual: 0,
      total: 3,
    });
  });
});

describe('grouping keys', () => {
  it('CIS levels are cumulative: a recommendation at level 1 anywhere counts in both', () => {
    const level = (...levels: (1 | 2)[]) => byCisLevel(v('a', 'pass', 'low', { cis: levels.map((l, i) => ({ id: `${i}`, level: l, profiles: ['server' as const] })) }));
    expect(level(1)).toEqual(['1', '2']);
    expect(level(2)).toEqual(['2']);
    expect(level(2, 1)).toEqual(['1', '2']);
    expect(level(1, 2)).toEqual(['1', '2']);
    expect(level()).toEqual([]);
    expect(byCisLevel(v('a', 'pass', 'low', {}))).toEqual([]);
  });

  it('frameworks a control refers to, host and severity', () => {
    expect(byFramework(v('a', 'pass', 'low', { stig: ['V-1'], cis: [], nist: ['AC-1'] }))).toEqual(['stig', 'nist']);
    expect(byFramework(v('a', 'pass', 'low', {}))).toEqual([]);
    expect(byHost(v('a', 'pass', 'low', {}, 'h1'))).toEqual(['h1']);
    expect(bySeverity(v('a', 'pass', 'critical'))).toEqual(['critical']);
    expect(byNistFamily(v('a', 'pass', 'low', {}))).toEqual([]);
  });

  it('scoreBy sorts its keys and counts a verdict once per key', () => {
    const g = scoreBy([v('a', 'pass', 'low'), v('b', 'fail', 'low')], (x) => (x.controlId === 'a' ? ['z', 'm', 'z'] : ['m']));
    expect(Object.keys(g)).toEqual(['m', 'z']);
    expect(g.z!.counts.total).toBe(1);
    expect(g.m!.counts.total).toBe(2);
  });

  it('scoreReport with no profiles has none', () => {
    expect(scoreReport([v('a', 'pass', 'low')]).laptop!.profiles).toEqual({});
  });
});

describe('baseline order', () => {
  it('lists changes by host, then control, whatever the order of the verdicts', () => {
    const after = [v('b', 'fail', 'low', {}, 'y'), v('a', 'fail', 'low', {}, 'y'), v('c', 'fail', 'low', {}, 'x'), v('b', 'pass', 'low', {}, 'x'), v('a', 'pass', 'low', {}, 'x')];
    const before = after.map((x) => ({ ...x, status: x.status === 'pass' ? ('fail' as const) : ('pass' as const) }));
    const d = compareBaseline(before, after);
    expect(d.newlyFailing.map((x) => `${x.host}/${x.controlId}`)).toEqual(['x/c', 'y/a', 'y/b']);
    expect(d.newlyPassing.map((x) => `${x.host}/${x.controlId}`)).toEqual(['x/a', 'x/b']);
  });

  it('orders by host first, even where host and control names run together', () => {
    const change = (host: string, controlId: string) => ({ host, controlId, after: 'fail' as const, severity: 'low' as const });
    expect([change('ab', 'a'), change('a', 'z')].sort(changeOrder).map((c) => `${c.host}/${c.controlId}`)).toEqual(['a/z', 'ab/a']);
    expect([change('a', 'bc'), change('ab', 'c')].sort(changeOrder).map((c) => `${c.host}/${c.controlId}`)).toEqual(['a/bc', 'ab/c']);
    expect([change('ab', 'c'), change('a', 'bc')].sort(changeOrder).map((c) => `${c.host}/${c.controlId}`)).toEqual(['a/bc', 'ab/c']);
    expect(changeOrder(change('h', 'a'), change('h', 'a'))).toBe(0);
  });

  it('a control that was not-applicable, waived or manual and now fails is newly failing; one that now passes is not newly passing', () => {
    const d = compareBaseline(
      [v('a', 'not-applicable', 'low'), v('b', 'waived', 'low'), v('c', 'manual', 'low'), v('d', 'manual', 'low')],
      [v('a', 'fail', 'low'), v('b', 'error', 'low'), v('c', 'drift', 'low'), v('d', 'pass', 'low')],
    );
    expect(d.newlyFailing.map((x) => [x.controlId, x.before])).toEqual([
      ['a', 'not-applicable'],
      ['b', 'waived'],
      ['c', 'manual'],
    ]);
    expect(d.newlyPassing).toEqual([]);
  });

  it('lists hosts of either run in order', () => {
    const d = compareBaseline([v('a', 'pass', 'low', {}, 'web')], [v('a', 'pass', 'low', {}, 'db'), v('a', 'pass', 'low', {}, 'app')]);
    expect(Object.keys(d.hosts)).toEqual(['app', 'db', 'web']);
  });

  it('a baseline of the same run has no changes and no delta', () => {
    const run = [v('a', 'pass', 'low'), v('b', 'fail', 'low')];
    expect(compareBaseline(run, run)).toEqual({ newlyFailing: [], newlyPassing: [], hosts: { laptop: { before: 50, after: 50, delta: 0 } } });
  });
});

describe('gate details', () => {
  it('failUnder: exactly the threshold passes; the ratio gate says so; values are rounded to two places', () => {
    expect(failUnder([v('a', 'pass', 'low'), v('b', 'fail', 'low')], 50, 'ratio')).toEqual({ failed: false, reasons: [] });
    expect(failUnder([v('a', 'pass', 'low'), v('b', 'fail', 'low')], 50.5, 'ratio')).toEqual({ failed: true, reasons: ['laptop: pass ratio 50 is below 50.5'] });
    expect(failUnder([v('a', 'pass', 'low'), v('b', 'fail', 'low'), v('c', 'fail', 'low')], 33.335, 'ratio').reasons).toEqual(['laptop: pass ratio 33.33 is below 33.34']);
  });

  it('failOn: every finding status, at exactly the severity too', () => {
    const findings = [v('a', 'fail', 'medium'), v('b', 'error', 'medium'), v('c', 'drift', 'medium'), v('d', 'fail', 'low'), v('e', 'manual', 'critical')];
    expect(failOn(findings, 'medium').reasons).toEqual(['laptop: a (medium) failed', 'laptop: b (medium) errored', 'laptop: c (medium) drifted']);
  });

  it('severities rank from low to critical', () => {
    expect(['critical', 'low', 'high', 'medium'].map((s) => severityRank(s as 'low'))).toEqual([3, 0, 2, 1]);
  });

  it('combineGates: failed when any gate failed, even one without reasons', () => {
    expect(combineGates({ failed: false, reasons: [] }, { failed: true, reasons: [] })).toEqual({ failed: true, reasons: [] });
    expect(combineGates({ failed: false, reasons: [] })).toEqual({ failed: false, reasons: [] });
    expect(combineGates({ failed: true, reasons: ['a'] }, { failed: true, reasons: ['b'] })).toEqual({ failed: true, reasons: ['a', 'b'] });
  });
});
