/**
 * `npm start`: the example run. Unit suites, the CIS level 1 server profile and option
 * coverage against the offline example flake, all reports under reports/, and a
 * screenshot of the HTML compliance report when Debian's chromium is installed. Some
 * example cases fail on purpose: it prints which, and exits 0 when every verdict is what
 * suites/unit/EXPECTED.md and compliance/EXPECTED.md say, 1 otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { main } from '../src/cli/main.js';
import type { ComplianceResult } from '../src/compliance/run-comply.js';
import type { RunResult } from '../src/result/model.js';
import { judgeCompliance, judgeUnit, parseComplianceExpectations, parseUnitExpectations } from './example-expectations.js';

const PROFILE = 'cis-l1-server';
const root = resolve(import.meta.dirname, '..');
process.chdir(root);
const banner = (text: string) => process.stdout.write(`\n=== ${text}\n`);
const read = <T>(...path: string[]) => JSON.parse(readFileSync(join(root, ...path), 'utf8')) as T;
const text = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');

banner('nixcheck test (suites/unit against fixtures/offline)');
await main(['test']);
banner(`nixcheck comply --profile ${PROFILE}`);
await main(['comply', '--profile', PROFILE]);
banner('nixcheck coverage');
await main(['coverage']);

const html = join(root, 'reports', 'compliance.html');
const chromium = await execa('chromium', ['--version'], { reject: false }).catch(() => undefined);
if (chromium?.exitCode === 0 && existsSync(html)) {
  await execa('chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--window-size=1400,1000', '--virtual-time-budget=3000',
    `--screenshot=${join(root, 'reports', 'compliance-html.png')}`, `file://${html}`,
  ], { reject: false });
  process.stdout.write('\nscreenshot: reports/compliance-html.png\n');
}

banner('expected verdicts');
const unit = parseUnitExpectations(text('suites', 'unit', 'EXPECTED.md'));
const results = read<RunResult>('reports', 'results.json');
for (const verdict of ['fail', 'error', 'skip'] as const) {
  const names = unit.notPassing.filter((e) => e.verdict === verdict);
  process.stdout.write(`${names.length} ${verdict === 'fail' ? 'fail on purpose (findings)' : verdict === 'error' ? 'error on purpose' : 'skipped'}:\n`);
  for (const e of names) process.stdout.write(`  ${e.suite}: ${e.name}\n`);
}
const problems = [
  ...judgeUnit(results, unit).map((p) => `suites/unit/EXPECTED.md: ${p}`),
  ...judgeCompliance(read<ComplianceResult>('reports', 'compliance.json'), parseComplianceExpectations(text('compliance', 'EXPECTED.md'), PROFILE)).map((p) => `compliance/EXPECTED.md: ${p}`),
];
if (problems.length === 0) {
  const s = results.summary;
  process.stdout.write(`\nAs expected: ${s.total} cases (${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.skip} skip) as suites/unit/EXPECTED.md lists them, and the ${PROFILE} verdicts of compliance/EXPECTED.md.\n`);
} else {
  process.stdout.write(`\nNOT as expected:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
}
process.exitCode = problems.length === 0 ? 0 : 1;
