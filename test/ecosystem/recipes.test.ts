/**
 * The CI recipes in recipes/: parsed and checked against what nixcheck really does:
 * commands and flags exist, artifact paths are the files the reporters write, the GitLab
 * coverage regex reads the line `nixcheck coverage` prints.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/cli/main.js';
import { complianceJunitFile } from '../../src/compliance/report/compliance-junit.js';
import { complianceSarifFile } from '../../src/compliance/report/compliance-sarif.js';
import type { ComplianceResult } from '../../src/compliance/run-comply.js';
import { COVERAGE_FILES, formatCoverageTable, type CoverageReport } from '../../src/coverage/index.js';
import { junitReporter } from '../../src/report/junit-reporter.js';
import { summarize } from '../../src/result/model.js';
import { globToRegExp } from '../../src/util/glob.js';
import { REPO } from '../helpers/paths.js';

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

/** `npx nixcheck <cmd> --a x --b` -> { command, flags } */
function parseInvocation(line: string): { command: string; flags: string[]; args: string[] } {
  const words = line.trim().split(/\s+/);
  const at = words.indexOf('nixcheck');
  const [command, ...args] = words.slice(at + 1);
  return { command: command!, args, flags: args.filter((w) => w.startsWith('-')).map((w) => w.replace(/^--?/, '').split('=')[0]!) };
}

function invocations(text: string): string[] {
  return [...text.matchAll(/npx nixcheck [^\n'"]+/g)].map((m) => m[0].trim());
}

function expectRealCommands(lines: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const { command, flags } = parseInvocation(line);
    const spec = COMMANDS.find((c) => c.name === command);
    expect(spec, `${line}: command "${command}"`).toBeDefined();
    for (const flag of flags) {
      const known = spec!.flags.some((f) => f.name === flag || f.short === flag);
      expect(known, `${line}: flag --${flag} of nixcheck ${command}`).toBe(true);
    }
  }
}

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
    expect(order(cache)).toBeLessThan(order(run('npx nixcheck test --reporter github --reporter junit')));
  });

  it('runs exactly the two nixcheck commands, the gate failing the job', () => {
    expect(steps.filter((s) => s.run).map((s) => s.run!.trim())).toEqual([
      'npx nixcheck test --reporter github --reporter junit',
      'npx nixcheck comply --profile cis-l1-server --fail-on high',
    ]);
    // No continue-on-error anywhere: a failing test or gate fails the job.
    expect(text).not.toMatch(/continue-on-error/);
    // The gate runs even when tests failed (but not when the run was cancelled).
    expect(run('npx nixcheck comply --profile cis-l1-server --fail-on high')!.if).toBe('${{ !cancelled() }}');
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
  const ci = parse(text) as Record<string, { script?: string[]; coverage?: string; artifacts?: { when?: string; reports?: Record<string, unknown> }; extends?: string }>;
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
    expect(job.script).toEqual(['npx nixcheck coverage', 'npx nixcheck test --reporter terminal --reporter junit']);
    expect(ci['nixcheck-comply']!.script).toEqual(['npx nixcheck comply --profile cis-l1-server --fail-on high']);
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
    } as unknown as CoverageReport;
    const printed = formatCoverageTable(report);
    const firstLine = printed.split('\n')[0]!;
    expect(firstLine).toMatch(/^Option coverage: 11\/34 options \(32\.35%\)/);
    expect(gitlabCoverage(job.coverage!, `npm warn something 1.5\n$ npx nixcheck coverage\n${printed}\n42 passed`)).toBe('32.35');
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
    expect(shs).toEqual(['npx nixcheck test --reporter terminal --reporter junit', 'npx nixcheck comply --profile cis-l1-server --fail-on high']);
    expect(text).toMatch(/catchError\([^)]*\)\s*\{\s*sh 'npx nixcheck test/);
  });

  it('uses only real commands and flags', () => expectRealCommands(invocations(text)));
});
