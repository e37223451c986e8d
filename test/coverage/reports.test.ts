import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeCoverage, writeCoverageReports, type CoverageReport, type WrittenCoverageReports } from '../../src/coverage/index.js';
import { SourceLocator } from '../../src/evidence/source-locator.js';
import { collectOptionInventory } from '../../src/nix/option-inventory.js';
import { validatorFor } from '../../src/util/schemas.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';
import { HAND_READS, hostTarget, requireTool } from './helpers.js';

const F = 'fixtures/offline/modules';

describe('coverage reports (real nix, genhtml, xmllint)', () => {
  let report: CoverageReport;
  let written: WrittenCoverageReports;
  let out: string;

  beforeAll(async () => {
    requireTool('nix', ['--version']);
    requireTool('genhtml', ['--version']);
    requireTool('xmllint', ['--version']);
    // Report paths are relative to the working directory, which is the repository root here.
    expect(process.cwd()).toBe(REPO);
    const laptop = await collectOptionInventory(hostTarget('laptop'), { timeoutMs: 60_000 });
    report = await computeCoverage({ inventories: [laptop], reads: HAND_READS, include: ['kernelcore.**'], locator: new SourceLocator([OFFLINE_FLAKE]) });
    out = tempDir('nixcheck-coverage-');
    written = await writeCoverageReports(report, join(out, 'reports'));
  });

  it('writes the five files (option and documentation coverage), and nothing else is left in the directory', () => {
    const files = ['coverage.cobertura.xml', 'coverage.json', 'docs.cobertura.xml', 'docs.lcov.info', 'lcov.info'];
    expect(Object.values(written).map((f) => f.slice(out.length + 1)).sort()).toEqual(files.map((f) => `reports/${f}`));
    expect(readdirSync(join(out, 'reports')).sort()).toEqual(files);
  });

  it('writes an lcov tracefile with one FN/FNDA per option and DA per declaration line', () => {
    const lcov = readFileSync(written.lcov, 'utf8');
    const records = lcov.split('end_of_record\n').filter(Boolean);
    expect(records).toHaveLength(8);
    const nvidia = records.find((r) => r.includes(`SF:${F}/hardware/nvidia.nix\n`))!;
    expect(nvidia).toContain('FN:23,kernelcore.nvidia.prime.offload\n');
    expect(nvidia).toContain('FNDA:2,kernelcore.nvidia.prime.offload\n');
    expect(nvidia).toContain('FNDA:1,kernelcore.nvidia.prime.nvidiaBusId\n');
    expect(nvidia).toContain('FNF:6\nFNH:3\n');
    expect(nvidia).toContain('DA:9,0\nDA:11,0\nDA:17,0\nDA:23,2\nDA:29,1\nDA:35,1\nLF:6\nLH:3\n');
    const sum = (key: string) => [...lcov.matchAll(new RegExp(`^${key}:(\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
    expect([sum('FNF'), sum('FNH'), sum('LF'), sum('LH')]).toEqual([28, 10, 28, 10]);
    for (const sf of lcov.matchAll(/^SF:(.*)$/gm)) expect(existsSync(join(REPO, sf[1]!))).toBe(true);
  });

  it('renders with genhtml: the pages name the module files and show the hit counts', () => {
    const html = join(out, 'html');
    const log = execFileSync('genhtml', ['--output-directory', html, written.lcov], { cwd: REPO, encoding: 'utf8' });
    expect(log).toMatch(/lines\.*: 35\.7% \(10 of 28 lines\)/);
    expect(log).toMatch(/functions\.*: 35\.7% \(10 of 28 functions\)/);
    const index = readFileSync(join(html, 'index.html'), 'utf8');
    for (const dir of ['hardware', 'network', 'profiles', 'security', 'soc', 'virtualization']) expect(index).toContain(`${dir}/index.html`);
    const security = readFileSync(join(html, 'security', 'index.html'), 'utf8');
    for (const file of ['audit.nix', 'hardening.nix', 'ssh.nix']) expect(security).toContain(`${file}.gcov.html`);
    // the source view: the declaration line with its count
    const source = readFileSync(join(html, 'hardware', 'nvidia.nix.gcov.html'), 'utf8');
    expect(source).toMatch(/<span class="lineNum"> +23 <\/span><span class="lineCov"> +2 : +prime\.offload = lib\.mkOption \{/);
    expect(source).toMatch(/<span class="lineNum"> +9 <\/span><span class="lineNoCov"> +0 : +enable = lib\.mkEnableOption/);
    // the function view: option names with their counts
    const functions = readFileSync(join(html, 'hardware', 'nvidia.nix.func.html'), 'utf8').replace(/\s+/g, ' ');
    expect(functions).toMatch(/>kernelcore\.nvidia\.prime\.offload<\/a><\/td> <td class="coverFnHi">2</);
    expect(functions).toMatch(/>kernelcore\.nvidia\.prime\.intelBusId<\/a><\/td> <td class="coverFnHi">1</);
    expect(functions).toMatch(/>kernelcore\.nvidia\.enable<\/a><\/td> <td class="coverFnLo">0</);
    const ssh = readFileSync(join(html, 'security', 'ssh.nix.func.html'), 'utf8').replace(/\s+/g, ' ');
    expect(ssh).toMatch(/>kernelcore\.security\.ssh\.enable<\/a><\/td> <td class="coverFnHi">2</);
  });

  it('writes Cobertura XML that parses, with the right line rates', () => {
    execFileSync('xmllint', ['--noout', written.cobertura]);
    const xml = readFileSync(written.cobertura, 'utf8');
    expect(xml).toMatch(/<coverage line-rate="0\.3571" branch-rate="0" lines-covered="10" lines-valid="28"/);
    expect(xml).toMatch(/<package name="fixtures\/offline\/modules\/security" line-rate="0\.5455"/);
    expect(xml).toMatch(/<class name="hardening\.nix" filename="fixtures\/offline\/modules\/security\/hardening\.nix" line-rate="0\.3333"/);
    expect(xml).toMatch(/<class name="ssh\.nix" filename="fixtures\/offline\/modules\/security\/ssh\.nix" line-rate="1"/);
    expect(xml).toContain('<line number="23" hits="2" branch="false"/>');
    expect(xml.match(/<package /g)).toHaveLength(6);
    expect(xml.match(/<class /g)).toHaveLength(8);
    expect(xml.match(/<method /g)).toHaveLength(28);
  });

  it('writes coverage.json valid against its schema', () => {
    const json = JSON.parse(readFileSync(written.json, 'utf8')) as CoverageReport;
    const validate = validatorFor('coverage');
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.totals).toEqual({ options: 28, covered: 10, direct: 6, prefixOnly: 4, percent: 35.71 });
  });
});
