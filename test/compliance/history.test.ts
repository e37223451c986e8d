/**
 * `comply --history DIR`: earlier compliance.json files and this run, charted per host in
 * compliance.html (checked in headless Chromium: points, their order, a screenshot) and
 * tabled in compliance.md. The earlier files are copies of a real run with known scores
 * and dates written in.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeComplianceReports } from '../../src/compliance/report/index.js';
import { runComply, type ComplyOptions, type ComplianceResult } from '../../src/compliance/run-comply.js';
import { InputError } from '../../src/util/errors.js';
import { validatorFor } from '../../src/util/schemas.js';
import { renderedDom, screenshot } from '../helpers/chromium.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';
import { rejection } from './helpers.js';

const cache = tempDir();
const options: ComplyOptions = { flake: OFFLINE_FLAKE, baseDir: REPO, hostsAttr: 'nixosConfigurations', hosts: ['bare', 'laptop'], profile: 'cis-l1-server', jobs: 2, timeoutMs: 60_000, cacheDir: cache };

/** An earlier run: the real result with a date and bare's scores written in. */
function earlier(base: ComplianceResult, generatedAt: string, bare: { all: number; cis: number }, profile = base.profile): ComplianceResult {
  const copy = structuredClone(base);
  copy.generatedAt = generatedAt;
  copy.profile = profile;
  copy.scores['bare']!.overall.weighted = bare.all;
  copy.scores['bare']!.frameworks['cis']!.weighted = bare.cis;
  return copy;
}

describe('comply --history', () => {
  const history = tempDir('nixcheck-history-');
  const out = tempDir();
  let first: ComplianceResult;
  let result: ComplianceResult;

  beforeAll(async () => {
    first = await runComply(options);
    const write = (rel: string, data: unknown) => {
      mkdirSync(join(history, rel, '..'), { recursive: true });
      writeFileSync(join(history, rel), JSON.stringify(data));
    };
    // Out of order on disk, one in a subdirectory, as CI artifacts come.
    write('run-3/compliance.json', earlier(first, '2026-11-01T08:00:00.000Z', { all: 30, cis: 31 }));
    write('compliance-2026-10-01.json', earlier(first, '2026-10-01T08:00:00.000Z', { all: 20, cis: 21 }));
    write('run-2/compliance.json', earlier(first, '2026-10-15T08:00:00.000Z', { all: 25, cis: 26 }));
    write('stig/compliance.json', earlier(first, '2026-10-20T08:00:00.000Z', { all: 99, cis: 99 }, { id: 'stig-nixos', title: 'STIG' }));
    write('run-3/results.json', { not: 'a compliance report' });
    result = await runComply({ ...options, historyDir: history });
    const { failures } = await writeComplianceReports(result, out, ['json', 'md', 'html']);
    expect(failures).toEqual([]);
  }, 180_000);

  it('puts the earlier runs of the same profile and this run into the result, oldest first', () => {
    expect(validatorFor('compliance')(result)).toBe(true);
    const runs = result.history!.runs;
    expect(runs.map((r) => r.generatedAt)).toEqual(['2026-10-01T08:00:00.000Z', '2026-10-15T08:00:00.000Z', '2026-11-01T08:00:00.000Z', result.generatedAt]);
    expect(runs.map((r) => r.source)).toEqual([join(history, 'compliance-2026-10-01.json'), join(history, 'run-2/compliance.json'), join(history, 'run-3/compliance.json'), null]);
    expect(runs.map((r) => r.scores['bare']!.all)).toEqual([20, 25, 30, result.scores['bare']!.overall.weighted]);
    expect(result.history!.otherProfile).toEqual([join(history, 'stig/compliance.json')]);
  });

  it('charts every run per host and series in compliance.html, in time order, seen in headless Chromium', async () => {
    const html = join(out, 'compliance.html');
    expect(readFileSync(html, 'utf8')).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']https?:/);
    const dom = await renderedDom(html);
    const points = [...dom.matchAll(/<circle class="point" data-host="([^"]+)" data-series="([^"]+)" data-run="(\d+)" data-time="([^"]+)" data-score="([^"]+)" cx="([^"]+)" cy="([^"]+)"/g)].map((m) => ({
      host: m[1],
      series: m[2],
      run: Number(m[3]),
      time: m[4]!,
      score: Number(m[5]),
      cx: Number(m[6]),
      cy: Number(m[7]),
    }));
    for (const host of ['bare', 'laptop']) {
      const all = points.filter((p) => p.host === host && p.series === 'all');
      expect(all.map((p) => p.run)).toEqual([0, 1, 2, 3]);
      expect(all.map((p) => p.time)).toEqual(result.history!.runs.map((r) => r.generatedAt));
      for (let i = 1; i < all.length; i++) expect(all[i]!.cx).toBeGreaterThan(all[i - 1]!.cx);
      // cis-l1-server holds CIS controls, some with NIST and STIG references too.
      expect(new Set(points.filter((p) => p.host === host).map((p) => p.series))).toEqual(new Set(Object.keys(result.history!.runs[3]!.scores[host]!).filter((s) => result.history!.runs[3]!.scores[host]![s as 'all'] !== null)));
    }
    const bare = points.filter((p) => p.host === 'bare' && p.series === 'all');
    expect(bare.map((p) => p.score)).toEqual([20, 25, 30, Math.round(result.scores['bare']!.overall.weighted! * 100) / 100]);
    // Higher scores sit higher (smaller y).
    expect(bare[0]!.cy).toBeGreaterThan(bare[1]!.cy);
    expect(dom).toMatch(/1 earlier run\(s\) of another profile left out/);
    mkdirSync(join(REPO, 'reports'), { recursive: true });
    const png = join(REPO, 'reports', 'compliance-trend.png');
    await screenshot(html, png);
    expect(statSync(png).size).toBeGreaterThan(10_000);
  }, 120_000);

  it('tables the trend in compliance.md', () => {
    const md = readFileSync(join(out, 'compliance.md'), 'utf8');
    expect(md).toMatch(/### Score trend \(weighted, last 4 of 4 runs\)/);
    expect(md).toContain('| host | series | 2026-10-01 | 2026-10-15 | 2026-11-01 | this run | change |');
    const now = result.scores['bare']!.overall.weighted!;
    expect(md).toContain(`| bare | all controls | 20.0% | 25.0% | 30.0% | ${now.toFixed(1)}% | +${(now - 20).toFixed(1)} |`);
    expect(md).toContain(`| bare | CIS | 21.0% | 26.0% | 31.0% |`);
  });

  it('stops with an input error naming a history file that is not JSON or not a compliance report', async () => {
    const broken = tempDir('nixcheck-history-');
    writeFileSync(join(broken, 'compliance.json'), '{ not json');
    const err = await rejection(runComply({ ...options, historyDir: broken }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(new RegExp(`history file ${join(broken, 'compliance.json')} cannot be read as JSON`));
    const other = tempDir('nixcheck-history-');
    writeFileSync(join(other, 'compliance.json'), JSON.stringify({ tool: { name: 'nixcheck' }, generatedAt: 'yesterday', profile: null, scores: {} }));
    expect((await rejection(runComply({ ...options, historyDir: other }))).message).toMatch(/is not a nixcheck compliance\.json: generatedAt is not a date and time/);
    expect((await rejection(runComply({ ...options, historyDir: join(other, 'missing') }))).message).toMatch(/cannot read the history directory/);
  });
});
