import { describeMatchers, match, type MatcherSpec } from '../../match/matchers.js';
import type { CaseResult, Verdict } from '../../result/model.js';
import type { SourceLocation } from '../../util/errors.js';
import { sanitizeTestName } from '../driver/nix.js';
import { outcomesFromMarkers, outcomesFromSubtests, testStatus, type StepOutcome } from '../driver/results.js';
import { runVmTests, type AttemptResult, type RunVmOptions, type TestRun } from '../driver/run.js';
import type { CompiledVmTest, FlakeCheckTest, RunnableTest } from '../driver/types.js';
import { compileIntegrationTest, slugFor } from './compile.js';
import type { IntegrationStep, IntegrationTest } from './types.js';

export type IntegrationRunOptions = RunVmOptions;

/** An existing VM test of the flake, `checks.<system>.<name>`, to run by name. */
export function flakeCheck(name: string, options: { system?: string; timeoutS?: number; retries?: number; location?: SourceLocation; memoryMiB?: number } = {}): FlakeCheckTest {
  return { kind: 'flake-check', name, slug: sanitizeTestName(`check-${name}`), ...options };
}

const stdoutOf = (o: StepOutcome) => (o.outputs.at(-1)?.stdout ?? '').replace(/\n$/, '');

/** Step outcomes of an attempt, with `expect` matchers applied to command output. */
export function integrationOutcomes(test: RunnableTest, source: IntegrationTest | undefined, attempt: AttemptResult): StepOutcome[] {
  if (test.kind === 'flake-check') return outcomesFromSubtests(attempt);
  const outcomes = outcomesFromMarkers(test.steps, attempt);
  if (!source) return outcomes;
  return outcomes.map((o) => {
    const step = source.steps.find((s) => s.index === o.index);
    const expect = step && 'expect' in step ? step.expect : undefined;
    if (!expect || o.status !== 'pass') return o;
    const r = match(expect, { kind: 'value', exists: true, value: stdoutOf(o), type: 'string' });
    return r.pass ? o : { ...o, status: 'fail', message: `output ${r.reason ?? 'does not match'}`, error: `stdout:\n${stdoutOf(o)}` };
  });
}

function expectedText(step: IntegrationStep | undefined): string {
  if (!step) return 'completes';
  switch (step.kind) {
    case 'succeed':
      return step.expect ? `exits 0 and stdout ${describeMatchers(step.expect as MatcherSpec)}` : 'exits 0';
    case 'waitUntilSucceeds':
      return step.expect ? `eventually exits 0 and stdout ${describeMatchers(step.expect as MatcherSpec)}` : 'eventually exits 0';
    case 'fail':
      return 'exits non-zero';
    case 'waitForUnit':
      return `unit ${step.unit} becomes active`;
    case 'waitForOpenPort':
      return `port ${step.port} accepts connections`;
    case 'waitForFile':
      return `${step.path} exists`;
    default:
      return 'completes';
  }
}

function commonProperties(run: TestRun): Record<string, string> {
  return {
    attempts: String(run.attempts.length),
    flaky: String(run.flaky),
    artifacts: run.artifactsDir,
  };
}

/** CaseResults of one test run: one per step, then the test-level case. */
export function integrationCases(run: TestRun, source: IntegrationTest | undefined): CaseResult[] {
  const test = run.test;
  const last = run.attempts.at(-1);
  const outcomes = last ? integrationOutcomes(test, source, last) : [];
  const suite = source?.suite ?? 'flake checks';
  const suiteFile = source?.suiteFile ?? '(flake)';
  const testName = source?.name ?? test.name;
  const testLocation: SourceLocation = source?.location ?? (test.kind === 'flake-check' ? test.location : undefined) ?? { file: suiteFile, line: 1, column: 1 };
  const hosts = test.kind === 'flake-check' ? [] : [...new Set(test.nodes.map((n) => n.host))];
  const hostOfNode = new Map(test.kind === 'flake-check' ? [] : test.nodes.map((n) => [n.name, n.host]));
  const props = commonProperties(run);
  const cases: CaseResult[] = [];

  const compiledSteps = test.kind === 'flake-check' ? [] : test.steps;
  const stepList = run.notRun && test.kind !== 'flake-check'
    ? compiledSteps.map((s): StepOutcome => ({ index: s.index, title: s.title, status: 'skip', durationMs: 0, outputs: [], message: `not run: ${run.notRun!.message}` }))
    : outcomes;
  for (const o of stepList) {
    const compiled = compiledSteps.find((s) => s.index === o.index);
    const step = source?.steps.find((s) => s.index === o.index);
    const node = compiled?.node;
    const host = node ? hostOfNode.get(node) : undefined;
    const output = o.outputs.length > 0 ? stdoutOf(o) : undefined;
    cases.push({
      id: `integration:${suiteFile}:${testName}:${o.index}`,
      kind: 'integration',
      suite,
      suiteFile,
      name: `${testName} › ${o.title}`,
      location: compiled?.location ?? testLocation,
      target: host ? { label: host, host } : { label: hosts.join('+') || test.name },
      path: o.title,
      root: 'attr',
      verdict: o.status as Verdict,
      expected: o.index === 0 ? 'every node reaches multi-user.target' : expectedText(step),
      ...(output !== undefined ? { actual: output } : {}),
      ...(o.message ? { message: o.message } : {}),
      ...(o.error ? { error: o.error } : {}),
      ...(o.errorReason ? { errorReason: o.errorReason } : {}),
      durationMs: o.durationMs,
      cached: false,
      properties: { ...props, test: testName, step: String(o.index), ...(node ? { node } : {}), ...(compiled ? { stepKind: compiled.kind } : {}) },
    });
  }

  const status = testStatus(run, outcomes);
  const lastAttempt = run.attempts.at(-1);
  cases.push({
    id: `integration:${suiteFile}:${testName}`,
    kind: 'integration',
    suite,
    suiteFile,
    name: testName,
    location: testLocation,
    target: { label: hosts.join('+') || test.name, ...(hosts.length === 1 ? { host: hosts[0]! } : {}) },
    path: test.kind === 'flake-check' ? `checks.${test.system ?? '<system>'}.${test.name}` : test.name,
    root: 'attr',
    verdict: status.status as Verdict,
    expected: 'every step passes',
    message: status.message,
    ...(status.error ? { error: status.error } : {}),
    ...(status.errorReason ? { errorReason: status.errorReason } : {}),
    durationMs: Math.round((run.buildDurationMs ?? 0) + run.attempts.reduce((s, a) => s + a.durationMs, 0)),
    cached: false,
    properties: {
      ...props,
      ...(lastAttempt ? { exitCode: String(lastAttempt.exitCode ?? lastAttempt.signal) } : {}),
      ...(run.buildDurationMs !== undefined ? { buildMs: String(Math.round(run.buildDurationMs)) } : {}),
      ...(run.notRun ? { notRun: run.notRun.reason } : {}),
    },
  });
  return cases;
}

function skippedCases(test: IntegrationTest): CaseResult[] {
  const hosts = [...new Set(test.nodes.map((n) => n.host))];
  return [
    {
      id: `integration:${test.suiteFile}:${test.name}`,
      kind: 'integration',
      suite: test.suite,
      suiteFile: test.suiteFile,
      name: test.name,
      location: test.location,
      target: { label: hosts.join('+') },
      path: test.name,
      root: 'attr',
      verdict: 'skip',
      expected: 'every step passes',
      message: test.skip!,
      durationMs: 0,
      cached: false,
    },
  ];
}

/** A VM test's identity across runs and machines: the name of its artifact directory. */
export function vmTestId(test: IntegrationTest | FlakeCheckTest): string {
  return 'kind' in test ? test.slug : slugFor(test.suite, test.name);
}

/** What each VM test took (build and attempts), for tests that ran: their cost for `--shard`. */
export function vmTestDurations(tests: readonly { id: string; cases: readonly CaseResult[] }[]): Record<string, number> {
  const measured: Record<string, number> = {};
  for (const { id, cases } of tests) {
    // integrationCases puts the test-level case, with the whole test's time, last.
    const whole = cases.at(-1);
    if (whole && whole.verdict !== 'skip' && !whole.properties?.notRun) measured[id] = whole.durationMs;
  }
  return measured;
}

/** Compile, build, run (with retries) and report integration tests and flake checks. */
export async function runIntegrationTests(tests: readonly (IntegrationTest | FlakeCheckTest)[], options: IntegrationRunOptions): Promise<CaseResult[]> {
  return (await runIntegrationTestsByTest(tests, options)).flat();
}

/** runIntegrationTests with each test's cases kept apart, in the order of `tests`. */
export async function runIntegrationTestsByTest(tests: readonly (IntegrationTest | FlakeCheckTest)[], options: IntegrationRunOptions): Promise<CaseResult[][]> {
  const sources = new Map<string, IntegrationTest>();
  const runnable: RunnableTest[] = [];
  const skipped: CaseResult[][] = [];
  const order: (string | CaseResult[])[] = [];
  for (const t of tests) {
    if ('kind' in t) {
      runnable.push(t);
      order.push(t.slug);
      continue;
    }
    if (t.skip) {
      const c = skippedCases(t);
      skipped.push(c);
      order.push(c);
      continue;
    }
    const compiled: CompiledVmTest = compileIntegrationTest(t, { flakeRef: options.flakeRef });
    sources.set(compiled.slug, t);
    runnable.push(compiled);
    order.push(compiled.slug);
  }
  const judge = (test: RunnableTest, attempt: AttemptResult) =>
    attempt.exitCode === 0 && !attempt.timedOut && integrationOutcomes(test, sources.get(test.slug), attempt).every((o) => o.status === 'pass');
  const runs = await runVmTests(runnable, options, judge);
  const bySlug = new Map(runs.map((r) => [r.test.slug, r]));
  return order.map((o) => (typeof o === 'string' ? integrationCases(bySlug.get(o)!, sources.get(o)) : o));
}
