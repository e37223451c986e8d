/**
 * `npm start`: the example run. Unit suites, the CIS level 1 server profile and option
 * coverage against the offline example flake, all reports under reports/, and a
 * screenshot of the HTML compliance report when Debian's chromium is installed.
 * Exits with `nixcheck test`'s code (1: the example suites fail on purpose in places).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { main } from '../src/cli/main.js';

const root = resolve(import.meta.dirname, '..');
process.chdir(root);
const banner = (text: string) => process.stdout.write(`\n=== ${text}\n`);

banner('nixcheck test (suites/unit against fixtures/offline)');
const testCode = await main(['test']);
banner('nixcheck comply --profile cis-l1-server');
await main(['comply', '--profile', 'cis-l1-server']);
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
process.exitCode = testCode;
