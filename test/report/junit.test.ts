import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildJunit } from '../../src/report/junit-reporter.js';
import type { CaseResult } from '../../src/result/model.js';
import { REPO, tempDir } from '../helpers/paths.js';

const base: Omit<CaseResult, 'verdict' | 'name' | 'id'> = {
  kind: 'unit',
  suite: 'laptop',
  suiteFile: 'suites/unit/laptop.yaml',
  location: { file: 'suites/unit/laptop.yaml', line: 7, column: 11 },
  target: { label: 'laptop', host: 'laptop' },
  path: 'networking.firewall.enable',
  root: 'config',
  expected: 'equals true',
  durationMs: 12,
  cached: false,
};

export const sampleCases: CaseResult[] = [
  { ...base, id: '1', name: 'firewall on', verdict: 'pass', actual: true, exists: true },
  {
    ...base,
    id: '2',
    name: 'finding: x11 off',
    verdict: 'fail',
    actual: true,
    exists: true,
    message: 'expected false',
    evidence: { option: 'services.openssh.settings', subPath: ['X11Forwarding'], isDefined: true, priority: 100, source: 'user', definitions: [{ file: '/nix/store/x-source/hosts/desktop.nix', origin: 'user', localFile: 'hosts/desktop.nix', line: 9, priority: 100 }], overridden: [], declarations: [] },
  },
  { ...base, id: '3', name: 'broken <option> & "quotes"', verdict: 'error', error: 'error: deliberately broken\u0007', errorReason: 'throw', message: 'evaluation failed' },
  { ...base, id: '4', name: 'later', verdict: 'skip', message: 'waiting for the foo module', target: { label: 'desktop', host: 'desktop' } },
];

describe('JUnit report', () => {
  it('validates against the project JUnit XSD with xmllint', async () => {
    const dir = tempDir();
    const file = join(dir, 'junit.xml');
    writeFileSync(file, buildJunit(sampleCases));
    const r = await execa('xmllint', ['--noout', '--nonet', '--schema', join(REPO, 'schemas/junit/junit.xsd'), file], { reject: false });
    expect(r.stderr).toMatch(/validates/);
    expect(r.exitCode).toBe(0);
  });

  it('has a testsuite per suite and target, failure and error details, skip reasons and properties', () => {
    const xml = buildJunit(sampleCases);
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml).toMatch(/<testsuite name="laptop \[laptop\]" tests="3" failures="1" errors="1"/);
    expect(xml).toMatch(/classname="suites.unit.laptop.laptop"/);
    expect(xml).toMatch(/file="suites\/unit\/laptop.yaml:7"/);
    expect(xml).toMatch(/<failure message="networking.firewall.enable: expected false" type="AssertionFailure">/);
    expect(xml).toMatch(/defined: {2}hosts\/desktop.nix:9 \(normal\)/);
    expect(xml).toMatch(/<error message="networking.firewall.enable: evaluation failed" type="NixEvaluationError">/);
    expect(xml).toMatch(/<property name="skipReason" value="waiting for the foo module"\/>/);
    expect(xml).toMatch(/<property name="host" value="laptop"\/>/);
    expect(xml).not.toMatch(/\u0007/);
  });
});
