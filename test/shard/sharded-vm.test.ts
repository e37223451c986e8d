/**
 * `vm run --shard` in 2 parts, merged, equals the whole run. The NixOS test driver is
 * replaced by the STAND-IN (test/fixtures/driver-logs/stand-in-driver.mjs): no VM boots;
 * what is under test is the split, the cost record and the merge.
 *
 * Normalised before comparing: startedAt, durationMs (of the run and of each case), the
 * `artifacts` property (each part writes under its own report directory), and the `time`
 * attributes of vm-junit.xml.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult, RunResult } from '../../src/result/model.js';
import type { CostRecord } from '../../src/shard/cost-record.js';
import { REPO, tempDir } from '../helpers/paths.js';

const STAND_IN = `${process.execPath} ${join(REPO, 'test/fixtures/driver-logs/stand-in-driver.mjs')} --log ${join(REPO, 'test/fixtures/driver-logs/integration-pass.log')}`;

const vmRun = (out: string, cacheHome: string, ...extra: string[]) =>
  execa('npx', ['tsx', 'src/cli/bin.ts', 'vm', 'run', '--out', out, '--driver', STAND_IN, ...extra], { cwd: REPO, reject: false, env: { XDG_CACHE_HOME: cacheHome } });

const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'vm-results.json'), 'utf8')) as RunResult;
const normalCase = ({ durationMs: _d, properties, ...c }: CaseResult) => ({ ...c, properties: { ...properties, artifacts: 'ARTIFACTS' } });
const normalJunit = (dir: string) =>
  readFileSync(join(dir, 'vm-junit.xml'), 'utf8')
    .replace(/ time="[^"]*"/g, ' time="T"')
    .replace(/<property name="artifacts" value="[^"]*"\/>/g, '<property name="artifacts" value="ARTIFACTS"/>');

describe('vm run in 2 shards, merged, equals the whole run', () => {
  const whole = tempDir('nixcheck-vm-whole-');
  const parts = [tempDir('nixcheck-vm-shard-1-'), tempDir('nixcheck-vm-shard-2-')];
  const merged = tempDir('nixcheck-vm-merged-');
  const wholeCache = tempDir('nixcheck-vm-cache-');
  const costs = join(tempDir(), 'shard-costs.json');
  let wholeCode: number | undefined;
  let mergeCode: number | undefined;

  beforeAll(async () => {
    wholeCode = (await vmRun(whole, wholeCache)).exitCode;
    cpSync(join(wholeCache, 'nixcheck', 'shard-costs.json'), costs);
    for (const [i, out] of parts.entries()) {
      const r = await vmRun(out, tempDir('nixcheck-vm-cache-'), '--shard', `${i + 1}/2`, '--shard-costs', costs);
      expect(r.exitCode, r.stderr).not.toBe(2);
    }
    const m = await execa('npx', ['tsx', 'src/cli/bin.ts', 'merge-reports', ...parts, '--out', merged], { cwd: REPO, reject: false });
    mergeCode = m.exitCode;
  }, 300_000);

  it('records what each VM test that ran took, and nothing for the skipped one', () => {
    const record = JSON.parse(readFileSync(costs, 'utf8')) as CostRecord;
    expect(Object.keys(record.costs.vm!).sort()).toEqual([
      'ssh-and-firewall-firewall-between-laptop-and-k3s-node',
      'ssh-and-firewall-k3s-api-server-comes-up',
      'ssh-and-firewall-sshd-is-up-on-the-laptop',
      'ssh-and-firewall-the-bare-host-boots-and-has-no-sshd',
    ]);
    for (const ms of Object.values(record.costs.vm!)) expect(ms).toBeGreaterThan(0);
  });

  it('runs every test in exactly one part', () => {
    const tests = parts.map((p) => new Set(results(p).cases.filter((c) => !c.name.includes(' › ')).map((c) => c.name)));
    const all = tests.flatMap((t) => [...t]);
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(results(whole).cases.filter((c) => !c.name.includes(' › ')).map((c) => c.name).sort());
    expect(tests.every((t) => t.size > 0)).toBe(true);
  });

  it('merges into the same vm-results.json and vm-junit.xml, and the same exit code', () => {
    expect(mergeCode).toBe(wholeCode);
    const a = results(whole);
    const b = results(merged);
    expect(b.summary).toEqual(a.summary);
    expect(b.cases.map(normalCase)).toEqual(a.cases.map(normalCase));
    expect(normalJunit(merged)).toBe(normalJunit(whole));
  });
});
