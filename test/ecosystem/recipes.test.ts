/**
 * The CI recipes in recipes/: parsed and checked against what nixcheck really does:
 * commands and flags exist, artifact paths are the files the reporters write, the GitLab
 * coverage regex reads the line `nixcheck coverage` prints.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/cli/main.js';
import { complianceJunitFile } from '../../src/compliance/report/compliance-junit.js';
import { complianceSarifFile } from '../../src/compliance/report/compliance-sarif.js';
import type { ComplianceResult } from '../../src/compliance/run-comply.js';
import { COVERAGE_FILES, formatCoverageTable, type CoverageReport } from '../../src/coverage/index.js';
import { junitReporter } from '../../src/report/junit-reporter.js';
import { summarize } from '../../src/result/model.js';
import { COST_RECORD_FILE } from '../../src/shard/cost-record.js';
import { parseShardSpec } from '../../src/shard/spec.js';
import { globToRegExp } from '../../src/util/glob.js';
import { REPO } from '../helpers/paths.js';
import { expectRealCommands, invocations, parseInvocation } from '../helpers/recipes.js';

const recipe = (name: string) => readFileSync(join(REPO, 'recipes', name), 'utf8');

/** The file names nixcheck writes, asked of the writers themselves. */
const files = { junit: '', complianceJunit: '', sarif: '', cobertura: COVERAGE_FILES.cobertura };

beforeAll(() => {
  const empty = {
    schemaVersion: 1 as const,
    tool: { name: 'nixcheck' as const, version: '0' },
    nix: { version: null },
    startedAt: new Date(0).toISOString(),
    durationMs: 0,
    evaluations: [],
    cases: [],
    summary: summarize([]),
  };
  files.junit = junitReporter().files!(empty)[0]!.name;
  const compliance = { tool: { name: 'nixcheck', version: '0' }, profile: null, controls: [], results: [], hosts: [] } as unknown as ComplianceResult;
  files.complianceJunit = complianceJunitFile(compliance).name;
  files.sarif = complianceSarifFile(compliance).name;
});

describe('recipes/github-actions.yml', () => {
  const text = recipe('github-actions.yml');
  const wf = parse(text) as {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: Record<string, { 'runs-on': string; steps: { uses?: string; run?: string; if?: string; name?: string; with?: Record<string, unknown> }[] }>;
  };
  const steps = wf.jobs.nixcheck!.steps;
  const step = (uses: string) => steps.find((s) => s.uses?.startsWith(`${uses}@`));
  const run = (cmd: string) => steps.find((s) => s.run?.trim() === cmd);

  it('checks out, installs Nix and Node, and caches the evaluation cache on flake.lock and the Nix files', () => {
    expect(wf.on).toHaveProperty('pull_request');
    expect(steps[0]!.uses).toMatch(/^actions\/checkout@v\d+$/);
    expect(step('cachix/install-nix-action')).toBeDefined();
    expect(step('actions/setup-node')?.with?.['node-version']).toBe(20);
    const cache = step('actions/cache')!;
    expect(cache.with!.path).toBe('~/.cache/nixcheck');
    expect(cache.with!.key).toContain("hashFiles('flake.lock', '**/*.nix')");
    const order = (s: object | undefined) => steps.indexOf(s as never);
    expect(order(cache)).toBeLessThan(order(run('node_modules/.bin/nixcheck test --reporter github --reporter junit')));
  });

  it('runs exactly the two nixcheck commands, from the copy npm ci installed, the gate failing the job', () => {
    expect(steps.filter((s) => s.run).map((s) => s.run!.trim())).toEqual([
      'npm ci',
      'node_modules/.bin/nixcheck test --reporter github --reporter junit',
      'node_modules/.bin/nixcheck comply --profile cis-l1-server --fail-on high',
    ]);
    // No continue-on-error anywhere: a failing test or gate fails the job.
    expect(text).not.toMatch(/continue-on-error/);
    // The gate runs even when tests failed (but not when the run was cancelled).
    expect(run('node_modules/.bin/nixcheck comply --profile cis-l1-server --fail-on high')!.if).toBe('${{ !cancelled() }}');
  });

  it('publishes the JUnit files and the SARIF nixcheck writes, also after failures', () => {
    const junit = step('mikepenz/action-junit-report')!;
    expect(junit.if).toBe('always()');
    const pattern = globToRegExp(String(junit.with!.report_paths));
    expect(pattern.test(`reports/${files.junit}`)).toBe(true);
    expect(pattern.test(`reports/${files.complianceJunit}`)).toBe(true);
    expect(pattern.test(`reports/${files.cobertura}`)).toBe(false);

    const sarif = step('github/codeql-action/upload-sarif')!;
    expect(sarif.if).toMatch(/^always\(\)/);
    expect(sarif.with!.sarif_file).toBe(`reports/${files.sarif}`);
    expect(wf.permissions['security-events']).toBe('write');
    expect(wf.permissions.checks).toBe('write');
    expect(step('actions/upload-artifact')?.if).toBe('always()');
  });

  it('uses only real commands and flags', () => expectRealCommands(invocations(text)));
});

describe('recipes/gitlab-ci.yml', () => {
  const text = recipe('gitlab-ci.yml');
  const ci = parse(text) as Record<string, { script?: string[]; before_script?: string[]; coverage?: string; artifacts?: { when?: string; reports?: Record<string, unknown> }; extends?: string }>;
  const job = ci.nixcheck!;

  it('reports JUnit and Cobertura at the paths nixcheck writes', () => {
    expect(job.artifacts!.when).toBe('always');
    expect(job.artifacts!.reports).toEqual({
      junit: `reports/${files.junit}`,
      coverage_report: { coverage_format: 'cobertura', path: `reports/${files.cobertura}` },
    });
    expect(ci['nixcheck-comply']!.artifacts!.reports).toEqual({ junit: `reports/${files.complianceJunit}` });
  });

  it('runs coverage before the tests, so a failing test cannot hide the coverage line', () => {
    expect(job.script).toEqual(['node_modules/.bin/nixcheck coverage', 'node_modules/.bin/nixcheck test --reporter terminal --reporter junit']);
    expect(ci['.nixcheck']!.before_script).toContain('npm ci');
    expect(ci['nixcheck-comply']!.script).toEqual(['node_modules/.bin/nixcheck comply --profile cis-l1-server --fail-on high']);
  });

  it('has a coverage regex that reads the percentage of the first line nixcheck coverage prints', () => {
    const report: CoverageReport = {
      totals: { options: 34, covered: 11, direct: 8, prefixOnly: 3, percent: (11 / 34) * 100 },
      include: [],
      exclude: [],
      options: [],
      files: [],
      namespaces: [],
      unreadDefinitions: [],
      targets: [],
      lineUnknown: 0,
      documentation: { totals: { options: 34, described: 30, withExample: 3, percent: 88.24, examplePercent: 8.82 }, files: [], undescribed: [], withoutExample: [] },
    } as unknown as CoverageReport;
    const printed = formatCoverageTable(report);
    const firstLine = printed.split('\n')[0]!;
    expect(firstLine).toMatch(/^Option coverage: 11\/34 options \(32\.35%\)/);
    expect(gitlabCoverage(job.coverage!, `npm warn something 1.5\n$ node_modules/.bin/nixcheck coverage\n${printed}\n42 passed`)).toBe('32.35');
    expect(gitlabCoverage(job.coverage!, formatCoverageTable({ ...report, totals: { ...report.totals, covered: 34, percent: 100 } }))).toBe('100.00');
    // With no counted options there is no percentage, and no coverage.
    expect(gitlabCoverage(job.coverage!, formatCoverageTable({ ...report, totals: { ...report.totals, options: 0, covered: 0, percent: null } }))).toBeUndefined();
  });

  it('uses only real commands and flags', () => expectRealCommands(invocations(text)));
});

/**
 * GitLab's extraction (Gitlab::Ci::Trace#extract_coverage): the regex is written between
 * slashes; lines are scanned from the end; of the matches in the first matching line the
 * last capture group (or the whole match) is taken, and its first number is the coverage.
 */
function gitlabCoverage(setting: string, log: string): string | undefined {
  const m = /^\/(.*)\/$/.exec(setting);
  expect(m, 'coverage: is written between slashes').not.toBeNull();
  const re = new RegExp(m![1]!, 'g');
  for (const line of log.split('\n').reverse()) {
    const matches = [...line.matchAll(re)];
    if (matches.length === 0) continue;
    const last = matches.at(-1)!;
    const text = last.length > 1 ? last[last.length - 1]! : last[0];
    const number = /\d+(\.\d+)?/.exec(text ?? '');
    if (number) return number[0];
  }
  return undefined;
}

describe('recipes/Jenkinsfile', () => {
  const text = recipe('Jenkinsfile');

  it('runs nixcheck in a stage and publishes the JUnit reports in post { always }', () => {
    expect(text).toMatch(/stage\('nixcheck'\)/);
    const always = /post\s*\{\s*always\s*\{([\s\S]*?)\}/.exec(text)?.[1] ?? '';
    const glob = /junit\s+(?:testResults:\s*)?'([^']+)'/.exec(always)?.[1];
    expect(glob).toBeDefined();
    const re = globToRegExp(glob!);
    expect(re.test(`reports/${files.junit}`)).toBe(true);
    expect(re.test(`reports/${files.complianceJunit}`)).toBe(true);
    // coverage.cobertura.xml is XML too, but not JUnit: the glob must not pick it up.
    expect(re.test(`reports/${files.cobertura}`)).toBe(false);
  });

  it('runs the tests and the compliance gate, the tests not stopping the gate', () => {
    const shs = [...text.matchAll(/sh\s+'([^']+)'/g)].map((m) => m[1]);
    expect(shs).toEqual(['npm ci', 'node_modules/.bin/nixcheck test --reporter terminal --reporter junit', 'node_modules/.bin/nixcheck comply --profile cis-l1-server --fail-on high']);
    expect(text).toMatch(/catchError\([^)]*\)\s*\{\s*sh 'node_modules\/.bin\/nixcheck test/);
  });

  it('uses only real commands and flags', () => expectRealCommands(invocations(text)));
});

/** `--shard X` and `--out X` of an invocation. */
function flagValue(line: string, flag: string): string | undefined {
  const words = line.trim().split(/\s+/);
  const at = words.indexOf(flag);
  return at >= 0 ? words[at + 1] : undefined;
}

describe('recipes/github-actions-sharded.yml', () => {
  const text = recipe('github-actions-sharded.yml');
  type Step = { uses?: string; run?: string; if?: string; name?: string; with?: Record<string, unknown> };
  const wf = parse(text) as {
    permissions: Record<string, string>;
    jobs: {
      shard: { strategy: { 'fail-fast': boolean; matrix: { shard: number[] } }; steps: Step[] };
      merge: { needs: string; if: string; steps: Step[] };
    };
  };
  const shardSteps = wf.jobs.shard.steps;
  const mergeSteps = wf.jobs.merge.steps;
  // The nixcheck commands of the steps (`npm ci` installs the pinned nixcheck before them).
  const runs = (steps: Step[]) => steps.filter((s) => s.run?.includes('node_modules/.bin/nixcheck')).map((s) => s.run!.trim());
  const uses = (steps: Step[], action: string) => steps.filter((s) => s.uses?.startsWith(`${action}@`));
  const matrix = wf.jobs.shard.strategy.matrix.shard;

  it('runs test and comply in every shard of a matrix 1..N, each shard whole', () => {
    expect(matrix).toEqual(Array.from({ length: matrix.length }, (_, i) => i + 1));
    expect(matrix.length).toBeGreaterThan(1);
    expect(wf.jobs.shard.strategy['fail-fast']).toBe(false);
    const commands = runs(shardSteps);
    expect(commands.map((c) => parseInvocation(c).command)).toEqual(['test', 'comply']);
    for (const c of commands) {
      // As the runner expands it for each job of the matrix.
      for (const i of matrix) {
        const shard = flagValue(c.replaceAll('${{ matrix.shard }}', String(i)), '--shard')!;
        expect(parseShardSpec(shard)).toEqual({ index: i, count: matrix.length });
      }
    }
    // The comply gate runs even when the tests found something.
    expect(shardSteps.find((s) => s.run?.includes('nixcheck comply'))!.if).toBe('${{ !cancelled() }}');
    // Each shard's evaluation cache is its own.
    expect(String(uses(shardSteps, 'actions/cache')[0]!.with!.key)).toContain(`shard-\${{ matrix.shard }}-of-${matrix.length}-`);
  });

  it('gives every shard the cost record the merge job saved, at the path merge-reports writes it', () => {
    const restore = uses(shardSteps, 'actions/cache/restore')[0]!;
    const save = uses(mergeSteps, 'actions/cache/save')[0]!;
    expect(restore.with!.path).toBe(save.with!.path);
    expect(save.with!.path).toBe(`reports/${COST_RECORD_FILE}`);
    expect(String(restore.with!['restore-keys']).trim()).toBe(String(save.with!.key).replace('${{ github.run_id }}', ''));
    for (const c of runs(shardSteps)) expect(flagValue(c, '--shard-costs')).toBe(restore.with!.path);
    expect(save.if).toMatch(/^always\(\)/);
  });

  it('uploads every shard\'s reports, also after failures, and merges all of them', () => {
    const out = new Set(runs(shardSteps).map((c) => flagValue(c, '--out')));
    expect(out.size).toBe(1);
    const upload = uses(shardSteps, 'actions/upload-artifact')[0]!;
    expect(upload.if).toBe('always()');
    expect(String(upload.with!.path).replace(/\/$/, '')).toBe([...out][0]);
    expect(upload.with!.name).toContain('${{ matrix.shard }}');
    expect(wf.jobs.merge.needs).toBe('shard');
    expect(wf.jobs.merge.if).toBe('${{ !cancelled() }}');
    const download = uses(mergeSteps, 'actions/download-artifact')[0]!;
    for (const i of matrix) expect(globToRegExp(String(download.with!.pattern)).test(String(upload.with!.name).replace('${{ matrix.shard }}', String(i)))).toBe(true);
    const merge = runs(mergeSteps);
    expect(merge.map((c) => parseInvocation(c).command)).toEqual(['merge-reports']);
    expect(parseInvocation(merge[0]!).args[0]).toBe(`${download.with!.path}/*`);
    for (const r of ['junit', 'json']) expect(merge[0]).toContain(`--reporter ${r}`);
  });

  it('publishes the merged JUnit files and SARIF, also after failures', () => {
    const junit = uses(mergeSteps, 'mikepenz/action-junit-report')[0]!;
    expect(junit.if).toBe('always()');
    const pattern = globToRegExp(String(junit.with!.report_paths));
    expect(pattern.test(`reports/${files.junit}`)).toBe(true);
    expect(pattern.test(`reports/${files.complianceJunit}`)).toBe(true);
    const sarif = uses(mergeSteps, 'github/codeql-action/upload-sarif')[0]!;
    expect(sarif.with!.sarif_file).toBe(`reports/${files.sarif}`);
    expect(wf.permissions['security-events']).toBe('write');
    expect(text).not.toMatch(/continue-on-error/);
  });

  it('uses only real commands and flags', () => expectRealCommands(invocations(text)));
});

describe('recipes/gitlab-ci-sharded.yml', () => {
  const text = recipe('gitlab-ci-sharded.yml');
  type Cache = { key: string; paths: string[]; policy?: string };
  type Job = { parallel?: number; needs?: string[]; when?: string; script: string[]; cache: Cache[]; artifacts: { when?: string; paths: string[]; reports?: { junit?: string[] } } };
  const ci = parse(text) as Record<string, Job>;
  const shard = ci['nixcheck-shard']!;
  const report = ci['nixcheck-report']!;
  const commands = (job: Job) => job.script.filter((l) => l.includes('node_modules/.bin/nixcheck'));

  it('runs test and comply in each of the parallel jobs, on its part, both even when one fails', () => {
    expect(shard.parallel).toBeGreaterThan(1);
    expect(commands(shard).map((c) => parseInvocation(c).command)).toEqual(['test', 'comply']);
    for (const c of commands(shard)) {
      expect(flagValue(c, '--shard')).toBe('$CI_NODE_INDEX/$CI_NODE_TOTAL');
      for (let i = 1; i <= shard.parallel!; i++) {
        expect(parseShardSpec(flagValue(c, '--shard')!.replace('$CI_NODE_INDEX', String(i)).replace('$CI_NODE_TOTAL', String(shard.parallel)))).toEqual({ index: i, count: shard.parallel });
      }
      expect(c).toMatch(/ \|\| status=\$\?$/);
    }
    expect(shard.script.at(-1)).toBe('exit $status');
    expect(shard.cache[0]!.key).toContain('$CI_NODE_INDEX');
  });

  it('keeps each job\'s reports apart and merges all of them, also after failures', () => {
    const outs = commands(shard).map((c) => flagValue(c, '--out')!);
    expect(new Set(outs).size).toBe(1);
    const merge = commands(report);
    expect(merge.map((c) => parseInvocation(c).command)).toEqual(['merge-reports']);
    const dirs = globToRegExp(parseInvocation(merge[0]!).args[0]!);
    const artifacts = globToRegExp(shard.artifacts.paths[0]!.replace(/\/$/, ''));
    for (let i = 1; i <= shard.parallel!; i++) {
      const dir = outs[0]!.replace('$CI_NODE_INDEX', String(i));
      expect(dirs.test(dir), dir).toBe(true);
      expect(artifacts.test(dir), dir).toBe(true);
    }
    expect(shard.artifacts.when).toBe('always');
    expect(report.needs).toEqual(['nixcheck-shard']);
    expect(report.when).toBe('always');
  });

  it('pulls the cost record the report job pushes, at the path merge-reports writes it', () => {
    const pull = shard.cache.find((c) => c.policy === 'pull')!;
    const push = report.cache.find((c) => c.policy === 'push')!;
    expect(pull.key).toBe(push.key);
    expect(pull.paths).toEqual(push.paths);
    expect(push.paths).toEqual([`${flagValue(commands(report)[0]!, '--out')}/${COST_RECORD_FILE}`]);
    for (const c of commands(shard)) expect(flagValue(c, '--shard-costs')).toBe(pull.paths[0]);
  });

  it('reports the merged JUnit files at the paths nixcheck writes', () => {
    expect(report.artifacts.when).toBe('always');
    expect(report.artifacts.reports!.junit).toEqual([`reports/${files.junit}`, `reports/${files.complianceJunit}`]);
  });

  it('uses only real commands and flags', () => expectRealCommands(invocations(text)));
});

describe('pre-commit hooks (.pre-commit-hooks.yaml) and the git-hooks.nix recipe', () => {
  const hooks = parse(readFileSync(join(REPO, '.pre-commit-hooks.yaml'), 'utf8')) as Record<string, unknown>[];
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  // Paths pre-commit hands to `files` (relative to the repository root, matched with re.search).
  const changed = ['flake.nix', 'hosts/laptop/default.nix', 'flake.lock', 'nixcheck.yaml', 'suites/unit/laptop.yaml'];
  const unrelated = ['README.md', 'docs/flake.lock.md', 'reports/results.json', '.github/workflows/ci.yml'];

  it('offers hooks pre-commit accepts, running `nixcheck test` once when Nix files or suites change', () => {
    expect(hooks.map((h) => h.id)).toEqual(['nixcheck', 'nixcheck-system']);
    for (const hook of hooks) {
      // pre-commit's manifest: id, name, entry and language are required.
      for (const key of ['id', 'name', 'entry', 'language']) expect(typeof hook[key], `${hook.id}.${key}`).toBe('string');
      expect(['node', 'system']).toContain(hook.language);
      const [bin, command] = String(hook.entry).split(' ');
      expect(Object.keys(pkg.bin)).toContain(bin);
      expect(COMMANDS.some((c) => c.name === command)).toBe(true);
      expect(hook.pass_filenames).toBe(false);
      const files = new RegExp(String(hook.files));
      for (const path of changed) expect(files.test(path), path).toBe(true);
      for (const path of unrelated) expect(files.test(path), path).toBe(false);
    }
  });

  it('gives git-hooks.nix the same hook, running the nixcheck package it is given', async () => {
    const r = await execa('nix-instantiate', ['--eval', '--strict', '--json', '-E', `(import ${join(REPO, 'recipes/git-hooks.nix')} { nixcheck = "/stub/nixcheck"; })`]);
    const hook = JSON.parse(r.stdout).nixcheck;
    expect(hook).toMatchObject({ enable: true, entry: '/stub/nixcheck/bin/nixcheck test', language: 'system', pass_filenames: false });
    expect(hook.files).toBe(hooks[0]!.files);
  });
});
