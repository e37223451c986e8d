/**
 * The example (fixtures/offline, suites/unit, the whole compliance catalogue) run once
 * whole and once in 3 shards, each shard with an empty cache of its own (as CI machines
 * start) and the cost record of the whole run carried with --shard-costs, then merged
 * with `nixcheck merge-reports`. The merged reports must be the whole run's.
 *
 * Normalised before comparing, because they measure the run rather than the
 * configuration:
 *  - results.json: startedAt, durationMs, each case's durationMs, and `evaluations`
 *    (per-target timings; their order is the order evaluations finished in);
 *  - junit.xml: the `time` attributes;
 *  - compliance.json: generatedAt, durationMs, `evaluations` (as above);
 *  - compliance.html: the generatedAt it embeds;
 *  - the terminal summary line: the seconds.
 * Compared byte for byte: compliance.sarif, compliance-junit.xml, compliance.md.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceResult } from '../../src/compliance/run-comply.js';
import type { RunResult } from '../../src/result/model.js';
import { mergeReportsCommand } from '../../src/cli/commands/merge-reports.js';
import type { CostRecord } from '../../src/shard/cost-record.js';
import { InputError } from '../../src/util/errors.js';
import { REPO, tempDir } from '../helpers/paths.js';

const SHARDS = 3;
const GATES = ['--fail-on', 'high', '--fail-under', '60'];

interface Run {
  exitCode?: number;
  stdout: string;
  stderr: string;
}

function nixcheck(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return execa('npx', ['tsx', 'src/cli/bin.ts', ...args], { cwd: REPO, reject: false, env });
}

const json = <T>(dir: string, file: string): T => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
const text = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

const evaluations = (e: RunResult['evaluations']) =>
  e.map(({ target, cached, processes }) => ({ target, cached, processes })).sort((a, b) => (a.target < b.target ? -1 : 1));

function normalRun(r: RunResult) {
  const { startedAt: _s, durationMs: _d, evaluations: e, ...rest } = r;
  return { ...rest, evaluations: evaluations(e), cases: r.cases.map(({ durationMs: _c, ...c }) => c) };
}

function normalCompliance(r: ComplianceResult) {
  const { generatedAt: _g, durationMs: _d, evaluations: e, ...rest } = r;
  return { ...rest, evaluations: evaluations(e) };
}

const normalJunit = (xml: string) => xml.replace(/ time="[^"]*"/g, ' time="T"');
const normalHtml = (html: string, generatedAt: string) => html.split(generatedAt).join('GENERATED_AT');
const summaryLine = (stdout: string) => (/^nixcheck \d+ passed.*$/m.exec(stdout)?.[0] ?? '').replace(/, [\d.]+ s\)/, ', S s)');

describe('the example in 3 shards, merged, equals the whole run', () => {
  const whole = tempDir('nixcheck-whole-');
  const parts = Array.from({ length: SHARDS }, (_, i) => tempDir(`nixcheck-shard-${i + 1}-`));
  const merged = tempDir('nixcheck-merged-');
  const costsFile = join(tempDir(), 'shard-costs.json');
  let wholeTest: Run;
  let wholeComply: Run;
  let partRuns: Run[];
  let merge: Run;

  beforeAll(async () => {
    const wholeCache = tempDir('nixcheck-whole-cache-');
    // An earlier compliance.json to compare with: the catalogue's verdicts, a few flipped.
    const earlier = tempDir();
    const first = await nixcheck(['comply', '--out', earlier, '--format', 'json'], { XDG_CACHE_HOME: tempDir() });
    // No gate given: the example's failing controls fail the run.
    expect(first.exitCode, first.stderr).toBe(1);
    const baseline = json<ComplianceResult>(earlier, 'compliance.json');
    let flipped = 0;
    for (const r of baseline.results) {
      if (flipped < 6 && (r.status === 'pass' || r.status === 'fail')) {
        r.status = r.status === 'pass' ? 'fail' : 'pass';
        flipped++;
      }
    }
    const baselineFile = join(earlier, 'baseline.json');
    writeFileSync(baselineFile, JSON.stringify(baseline));
    const complyFlags = [...GATES, '--baseline', baselineFile];

    wholeTest = await nixcheck(['test', '--out', whole, '--cache-dir', join(wholeCache, 'nixcheck')]);
    wholeComply = await nixcheck(['comply', '--out', whole, ...complyFlags], { XDG_CACHE_HOME: wholeCache });
    // The whole run recorded what each target took; CI carries that file to the shards.
    cpSync(join(wholeCache, 'nixcheck', 'shard-costs.json'), costsFile);

    partRuns = [];
    for (const [i, out] of parts.entries()) {
      const cache = tempDir('nixcheck-shard-cache-');
      const shard = ['--shard', `${i + 1}/${SHARDS}`, '--shard-costs', costsFile];
      partRuns.push(await nixcheck(['test', '--out', out, '--cache-dir', join(cache, 'nixcheck'), ...shard]));
      partRuns.push(await nixcheck(['comply', '--out', out, ...complyFlags, ...shard], { XDG_CACHE_HOME: cache }));
    }
    merge = await nixcheck(['merge-reports', ...parts, '--out', merged]);
  }, 600_000);

  it('the whole run recorded a cost for every target, and the shards split by it', () => {
    const record = JSON.parse(readFileSync(costsFile, 'utf8')) as CostRecord;
    const wholeResult = json<RunResult>(whole, 'results.json');
    expect(Object.keys(record.costs.test!).sort()).toEqual(wholeResult.evaluations.map((e) => e.target).sort());
    expect(Object.keys(record.costs.comply!).sort()).toEqual(['bare', 'broken', 'desktop', 'k3s-node', 'laptop']);
    const info = json<RunResult>(parts[0]!, 'results.json').shard!;
    expect(info.costs).toEqual(record.costs.test);
  });

  it('each shard ran only its own targets, and every target ran in one shard', () => {
    for (const file of ['results.json', 'compliance.json'] as const) {
      const infos = parts.map((p) => json<RunResult>(p, file).shard!);
      for (const info of infos) expect(info.targets).toEqual(infos[0]!.targets);
      expect(infos.map((i) => i.index)).toEqual([1, 2, 3]);
      // Every shard got work, and the targets are not all on one.
      expect(new Set(infos[0]!.targets.map((t) => t.shard))).toEqual(new Set([1, 2, 3]));
    }
    const labels = parts.map((p) => new Set(json<RunResult>(p, 'results.json').cases.map((c) => c.target.label)));
    const all = labels.flatMap((s) => [...s]);
    expect(new Set(all).size).toBe(all.length);
    const hosts = parts.map((p) => json<ComplianceResult>(p, 'compliance.json').hosts.map((h) => h.name));
    expect(hosts.flat().sort()).toEqual(['bare', 'broken', 'desktop', 'k3s-node', 'laptop']);
    expect(Math.max(...hosts.map((h) => h.length))).toBeLessThan(5);
  });

  it('merges into the same results.json: the same cases, verdicts, values, evidence and errors, in the same order', () => {
    expect(merge.exitCode, merge.stderr).toBe(Math.max(wholeTest.exitCode!, wholeComply.exitCode!));
    const a = json<RunResult>(whole, 'results.json');
    const b = json<RunResult>(merged, 'results.json');
    expect(a.summary).toEqual({ total: 143, pass: 129, fail: 11, error: 2, skip: 1 });
    expect(b.shard).toBeUndefined();
    expect(normalRun(b)).toEqual(normalRun(a));
  });

  it('writes the same JUnit and terminal summary for the tests', () => {
    expect(normalJunit(text(merged, 'junit.xml'))).toBe(normalJunit(text(whole, 'junit.xml')));
    expect(summaryLine(merge.stdout)).toBe(summaryLine(wholeTest.stdout));
    expect(summaryLine(merge.stdout)).toMatch(/129 passed, 11 failed, 2 errors, 1 skipped \(143 checks, \d+ targets/);
  });

  it('merges into the same compliance.json: verdicts, scores, baseline comparison and gate', () => {
    const a = json<ComplianceResult>(whole, 'compliance.json');
    const b = json<ComplianceResult>(merged, 'compliance.json');
    expect(a.gate.failed).toBe(true);
    expect(a.gate).toMatchObject({ failOn: 'high', failUnder: 60 });
    expect(a.baseline!.newlyFailing.length + a.baseline!.newlyPassing.length).toBeGreaterThan(0);
    expect(b.scores).toEqual(a.scores);
    expect(b.results.map((r) => [r.host, r.controlId, r.status])).toEqual(a.results.map((r) => [r.host, r.controlId, r.status]));
    expect(normalCompliance(b)).toEqual(normalCompliance(a));
  });

  it('writes the same SARIF, compliance JUnit, Markdown and HTML', () => {
    for (const file of ['compliance.sarif', 'compliance-junit.xml', 'compliance.md']) {
      expect(text(merged, file), file).toBe(text(whole, file));
    }
    const a = json<ComplianceResult>(whole, 'compliance.json');
    const b = json<ComplianceResult>(merged, 'compliance.json');
    expect(normalHtml(text(merged, 'compliance.html'), b.generatedAt)).toBe(normalHtml(text(whole, 'compliance.html'), a.generatedAt));
  });

  it('writes the cost record to carry to the next sharded run', () => {
    const record = JSON.parse(readFileSync(join(merged, 'shard-costs.json'), 'utf8')) as CostRecord;
    const carried = JSON.parse(readFileSync(costsFile, 'utf8')) as CostRecord;
    expect(Object.keys(record.costs.test!).sort()).toEqual(Object.keys(carried.costs.test!).sort());
    expect(Object.keys(record.costs.comply!).sort()).toEqual(Object.keys(carried.costs.comply!).sort());
  });

  describe('merge-reports refuses what is not one sharded run (exit 2, naming the files)', () => {
    const copy = (dir: string) => {
      const to = tempDir('nixcheck-shard-copy-');
      cpSync(dir, to, { recursive: true });
      return to;
    };
    const edit = <T>(dir: string, file: string, change: (data: T) => void) => {
      const data = json<T>(dir, file);
      change(data);
      writeFileSync(join(dir, file), JSON.stringify(data));
    };
    // In process: the same command the CLI runs, without a process start per case. A
    // refused merge writes nothing, not even the parts that would merge.
    const refused = async (dirs: string[], message: RegExp) => {
      const out = tempDir();
      const error = await mergeReportsCommand.run({ out }, dirs).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
      expect(readdirSync(out)).toEqual([]);
    };
    const [p1, p2, p3] = parts as [string, string, string];

    it('a missing shard: exit 2 from the command line', async () => {
      const r = await nixcheck(['merge-reports', p1, p3, '--out', tempDir()]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/missing shard 2\/3 of the results\.json files: give every shard's report directory/);
      await refused([p1, p3], /missing shard 2\/3 of the results\.json files/);
    });

    it('a shard given twice', () => refused([p1, p2, p3, copy(p2)], /shard 2\/3 is given twice/));

    it('a file that is not from a sharded run', () => refused([p1, p2, p3, whole], /results\.json is not from a sharded run/));

    it('parts of runs cut into different numbers of shards', async () => {
      const other = copy(p3);
      edit<RunResult>(other, 'results.json', (r) => (r.shard!.count = 4));
      await refused([p1, p2, other], /is shard 1\/3 but .*results\.json is shard 3\/4/);
    });

    it('shards that split the targets differently (different costs)', async () => {
      const other = copy(p2);
      edit<ComplianceResult>(other, 'compliance.json', (r) => {
        const t = r.shard!.targets.find((x) => x.shard === 1)!;
        t.shard = 2;
      });
      await refused([p1, other, p3], /compliance\.json were split differently \(\S+ goes to shard 1 in one and to shard 2 in the other\).*same --shard-costs/);
    });

    it('a shard holding a target the split gives to another', async () => {
      const other = copy(p1);
      const foreign = json<RunResult>(p2, 'results.json').cases[0]!.target.label;
      edit<RunResult>(other, 'results.json', (r) => (r.cases[0]!.target.label = foreign));
      await refused([other, p2, p3], new RegExp(`holds results of ${foreign.replace(/[.]/g, '\\.')}, which the split gives to shard 2`));
    });

    it('an incomplete shard', async () => {
      const other = copy(p3);
      edit<ComplianceResult>(other, 'compliance.json', (r) => {
        const host = r.results[0]!.host;
        const keep = r.results.map((x, i) => [x, r.shard!.order[i]] as const).filter(([x]) => x.host !== host);
        r.results = keep.map(([x]) => x);
        r.shard!.order = keep.map(([, o]) => o!);
      });
      await refused([p1, p2, other], /compliance\.json \(shard 3\/3\) has no results for \S+, which the split gives to it/);
    });

    it('a file that breaks the schema, or is not JSON', async () => {
      const broken = copy(p2);
      edit<RunResult>(broken, 'results.json', (r) => ((r.cases[0] as unknown as { verdict: string }).verdict = 'maybe'));
      await refused([p1, broken, p3], new RegExp(`${join(broken, 'results.json').replace(/[.]/g, '\\.')} does not match schemas/results\\.schema\\.json: at /cases/0/verdict`));
      const truncated = copy(p2);
      writeFileSync(join(truncated, 'compliance.json'), '{"schemaVersion": 1,');
      await refused([p1, truncated, p3], /compliance\.json is not JSON/);
    });

    it('a directory without results, and no directory at all', async () => {
      const empty = tempDir();
      mkdirSync(join(empty, 'vm'));
      await refused([p1, empty], /has none of results\.json, compliance\.json, vm-results\.json/);
      await refused([join(empty, 'no-such-dir')], /no-such-dir is not a directory/);
      await refused([], /no report directories/);
    });
  });
});
