/**
 * The JUnit XML of buildJunit, element by element (in process; junit.test.ts checks it
 * against the XSD with xmllint).
 */
import { describe, expect, it } from 'vitest';
import { buildJunit, junitReporter } from '../../src/report/junit-reporter.js';
import { makeCase, runResult, userEvidence } from '../helpers/results.js';

const evidence = userEvidence('a.b2', 9, 100);

/** The lines of the <testcase> named `name`, up to its end tag. */
function testCase(xml: string, name: string): string {
  const start = xml.indexOf(`name="${name}"`);
  expect(start).toBeGreaterThan(-1);
  return xml.slice(xml.lastIndexOf('<testcase', start), xml.indexOf('</testcase>', start) + '</testcase>'.length);
}

describe('buildJunit', () => {
  it('groups cases by suite and target into test suites, with their counts and properties', () => {
    const xml = buildJunit([
      makeCase(1, 'pass'),
      makeCase(2, 'fail', { target: { label: 'desktop', host: 'desktop' } }),
      makeCase(3, 'error'),
      makeCase(4, 'skip', { suite: 'other', suiteFile: 'suites/other.yaml' }),
    ]);
    expect(xml.split('\n').filter((l) => l.includes('<testsuite'))).toEqual([
      '<testsuites tests="4" failures="1" errors="1" skipped="1">',
      '  <testsuite name="demo [laptop]" tests="2" failures="0" errors="1" skipped="0">',
      '  <testsuite name="demo [desktop]" tests="1" failures="1" errors="0" skipped="0">',
      '  <testsuite name="other [laptop]" tests="1" failures="0" errors="0" skipped="1">',
    ]);
    expect(xml).toContain(
      [
        '  <testsuite name="other [laptop]" tests="1" failures="0" errors="0" skipped="1">',
        '    <properties>',
        '      <property name="suiteFile" value="suites/other.yaml"/>',
        '      <property name="target" value="laptop"/>',
        '    </properties>',
      ].join('\n'),
    );
  });

  it('a passing case: class name from the suite file and target, its location, time and properties', () => {
    const xml = buildJunit([makeCase(1, 'pass', { durationMs: 1500, target: { label: 'laptop', host: 'laptop' } })]);
    expect(testCase(xml, 'case 1')).toBe(
      [
        '<testcase classname="suites.unit.demo.laptop" name="case 1" file="suites/unit/demo.yaml:11" time="1.5">',
        '      <properties>',
        '        <property name="target" value="laptop"/>',
        '        <property name="path" value="a.b1"/>',
        '        <property name="kind" value="unit"/>',
        '        <property name="host" value="laptop"/>',
        '      </properties>',
        '    </testcase>',
      ].join('\n'),
    );
  });

  it('the class name drops only the last extension and turns both kinds of slash into dots', () => {
    const xml = buildJunit([makeCase(1, 'pass', { suiteFile: 'suites\\v1.2/net.test.yaml' }), makeCase(2, 'pass', { suiteFile: 'plain' })]);
    expect(testCase(xml, 'case 1')).toContain('classname="suites.v1.2.net.test.laptop"');
    expect(testCase(xml, 'case 2')).toContain('classname="plain.laptop"');
  });

  it('a target without host, with a with override, evidence and extra properties', () => {
    const c = makeCase(1, 'pass', { target: { label: 'file:x.nix', with: { a: [1] } }, properties: { control: 'C-1', tag: 'net' }, evidence });
    expect(testCase(buildJunit([c]), 'case 1')).toContain(
      [
        '        <property name="target" value="file:x.nix"/>',
        '        <property name="path" value="a.b1"/>',
        '        <property name="kind" value="unit"/>',
        '        <property name="with" value="{&quot;a&quot;:[1]}"/>',
        '        <property name="control" value="C-1"/>',
        '        <property name="tag" value="net"/>',
        '        <property name="definedAt" value="hosts/laptop.nix:9 (normal)"/>',
        '      </properties>',
        '    </testcase>',
      ].join('\n'),
    );
  });

  it('a failure: message, type and the full report as its body', () => {
    const c = makeCase(2, 'fail', { message: 'expected true', target: { label: 'laptop', host: 'laptop', with: { x: 1 } }, evidence });
    expect(testCase(buildJunit([c]), 'case 2')).toContain(
      [
        '      <failure message="a.b2: expected true" type="AssertionFailure"><![CDATA[case:     suites/unit/demo.yaml:12',
        'target:   laptop with {"x":1}',
        'path:     a.b2',
        'expected: equals true',
        'actual:   false',
        'defined:  hosts/laptop.nix:9 (normal)]]></failure>',
      ].join('\n'),
    );
  });

  it('a failure without a message, on a missing path, on an error, or with a long actual value', () => {
    const xml = buildJunit([
      makeCase(1, 'fail', { exists: false, actual: undefined }),
      makeCase(2, 'fail', { error: 'error: not a set', message: 'x' }),
      makeCase(3, 'fail', { actual: 'v'.repeat(2100) }),
    ]);
    expect(testCase(xml, 'case 1')).toContain('<failure message="a.b1: assertion failed" type="AssertionFailure">');
    expect(testCase(xml, 'case 1')).toContain('target:   laptop\npath:     a.b1\nexpected: equals true\nactual:   (path does not exist)]]></failure>');
    expect(testCase(xml, 'case 2')).toContain('expected: equals true\nerror:    error: not a set]]></failure>');
    expect(testCase(xml, 'case 3')).toContain(`actual:   "${'v'.repeat(1999)}…]]></failure>`);
  });

  it('an error: message, type and the Nix error as its body; without them, the fallbacks', () => {
    const xml = buildJunit([makeCase(1, 'error', { message: 'evaluation timed out' }), makeCase(2, 'error', { error: undefined })]);
    expect(testCase(xml, 'case 1')).toContain('<error message="a.b1: evaluation timed out" type="NixEvaluationError"><![CDATA[error: boom 1\nsecond line]]></error>');
    expect(testCase(xml, 'case 2')).toContain('<error message="a.b2: evaluation failed" type="NixEvaluationError"/>');
  });

  it('a skipped case: its reason as a property and as output, empty without one', () => {
    const xml = buildJunit([makeCase(1, 'skip', { message: 'later' }), makeCase(2, 'skip')]);
    expect(testCase(xml, 'case 1')).toContain('<property name="skipReason" value="later"/>\n      </properties>\n      <skipped/>\n      <system-out><![CDATA[skipped: later]]></system-out>');
    expect(testCase(xml, 'case 2')).toContain('<property name="skipReason" value=""/>\n      </properties>\n      <skipped/>\n      <system-out><![CDATA[skipped: ]]></system-out>');
    expect(xml).not.toContain('<failure');
    expect(xml).not.toContain('<error');
  });
});

describe('junitReporter', () => {
  it('makes one report file, junit.xml unless named otherwise, rendered from the cases', () => {
    const result = runResult([makeCase(1, 'fail')]);
    const reporter = junitReporter();
    expect(reporter.name).toBe('junit');
    const files = reporter.files!(result);
    expect(files.map((f) => f.name)).toEqual(['junit.xml']);
    expect(files[0]!.render()).toBe(buildJunit(result.cases));
    expect(junitReporter('out.xml').files!(result).map((f) => f.name)).toEqual(['out.xml']);
  });
});
