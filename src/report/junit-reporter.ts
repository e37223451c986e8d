import junit from 'junit-report-builder';
import { describeDefinitions } from '../evidence/evidence.js';
import type { CaseResult, RunResult } from '../result/model.js';
import { formatValue } from '../util/format-value.js';
import type { Reporter } from './reporter.js';

/**
 * reports/junit.xml: a <testsuite> per suite and target, a <testcase> per assertion.
 * classname is `<suite file>.<target>` so GitLab's "Suite" column and Jenkins' package
 * tree group by file and host; `file` gives action-junit-report its annotation.
 */
export function junitReporter(fileName = 'junit.xml'): Reporter {
  return {
    name: 'junit',
    files: (result: RunResult) => [{ name: fileName, render: () => buildJunit(result.cases) }],
  };
}

export function buildJunit(cases: readonly CaseResult[]): string {
  const builder = junit.newBuilder();
  const groups = new Map<string, CaseResult[]>();
  for (const c of cases) {
    const key = `${c.suite} [${c.target.label}]`;
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  for (const [name, group] of groups) {
    const suite = builder.testSuite().name(name);
    suite.property('suiteFile', group[0]!.suiteFile).property('target', group[0]!.target.label);
    for (const c of group) {
      const testCase = suite
        .testCase()
        .className(`${c.suiteFile.replace(/\.[^.]+$/, '').replace(/[\\/]/g, '.')}.${c.target.label}`)
        .name(c.name)
        .file(`${c.location.file}:${c.location.line}`)
        .time(c.durationMs / 1000)
        .property('target', c.target.label)
        .property('path', c.path)
        .property('kind', c.kind);
      if (c.target.host) testCase.property('host', c.target.host);
      if (c.target.with) testCase.property('with', JSON.stringify(c.target.with));
      for (const [k, v] of Object.entries(c.properties ?? {})) testCase.property(k, v);
      if (c.evidence) testCase.property('definedAt', describeDefinitions(c.evidence));
      if (c.verdict === 'fail') {
        testCase.failure(`${c.path}: ${c.message ?? 'assertion failed'}`, 'AssertionFailure').stacktrace(failureBody(c));
      } else if (c.verdict === 'error') {
        testCase.error(`${c.path}: ${c.message ?? 'evaluation failed'}`, 'NixEvaluationError', c.error ?? '');
      } else if (c.verdict === 'skip') {
        testCase.skipped().property('skipReason', c.message ?? '').standardOutput(`skipped: ${c.message ?? ''}`);
      }
    }
  }
  return builder.build();
}

function failureBody(c: CaseResult): string {
  const lines = [
    `case:     ${c.location.file}:${c.location.line}`,
    `target:   ${c.target.label}${c.target.with ? ` with ${JSON.stringify(c.target.with)}` : ''}`,
    `path:     ${c.path}`,
    `expected: ${c.expected}`,
    c.error !== undefined ? `error:    ${c.error}` : `actual:   ${c.exists === false ? '(path does not exist)' : formatValue(c.actual, 2000)}`,
  ];
  if (c.evidence) lines.push(`defined:  ${describeDefinitions(c.evidence)}`);
  return lines.join('\n');
}
