/**
 * nixcheck installed the ways README "Install" names, each into an empty directory outside
 * the checkout, then run from there against a copy of the offline example flake:
 * - the packed tarball (`npm pack`, then `npm install <tarball>`);
 * - the git repository at a tag (`npm install git+file://<clone>#<tag>`), which runs the
 *   `prepare` build in npm's own clone. The clone is of the committed HEAD.
 * Packages come from npm's cache where `npm ci` put them (`--prefer-offline`).
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceResult } from '../../src/compliance/run-comply.js';
import type { RunResult } from '../../src/result/model.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund'];
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; files: string[]; bin: Record<string, string> };

/** An empty directory outside the checkout with the example flake and one suite copied in. */
function consumerDir(): string {
  const dir = tempDir('nixcheck-consumer-');
  cpSync(OFFLINE_FLAKE, join(dir, 'flake'), { recursive: true });
  cpSync(join(REPO, 'suites/unit/laptop.yaml'), join(dir, 'laptop.yaml'));
  return dir;
}

/** The installed command, run from the consumer directory with its own evaluation cache. */
function installed(dir: string, args: string[]) {
  return execa(join(dir, 'node_modules/.bin/nixcheck'), args, { cwd: dir, reject: false, env: { XDG_CACHE_HOME: join(dir, '.cache') } });
}

describe('the packed tarball, installed outside the checkout', () => {
  const dir = consumerDir();
  let packed: { filename: string; files: { path: string }[] };

  beforeAll(async () => {
    const out = tempDir('nixcheck-pack-');
    // `npm pack` runs the prepare build, so dist/ is built from the sources under test.
    const pack = await execa('npm', ['pack', '--json', '--pack-destination', out], { cwd: REPO });
    packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0]!;
    const install = await execa('npm', [...NPM_INSTALL, join(out, packed.filename)], { cwd: dir, reject: false });
    expect(install.exitCode, install.stderr).toBe(0);
  }, 600_000);

  it('packs exactly the `files` of package.json (plus package.json and README), with the built CLI', () => {
    const top = new Set(packed.files.map((f) => f.path.split('/')[0]!));
    expect([...top].sort()).toEqual([...pkg.files, 'README.md', 'package.json'].sort());
    for (const file of [pkg.bin.nixcheck!, 'dist/cli/bin.js', 'src/nix/engine.nix', 'src/nix/inventory.nix', 'schemas/suite.schema.json', 'recipes/github-actions.yml']) {
      expect(packed.files.some((f) => f.path === file), file).toBe(true);
    }
    // Tests, fixtures and the benchmark stay out.
    expect(packed.files.filter((f) => /^(test|fixtures|bench)\//.test(f.path))).toEqual([]);
  });

  it('runs `nixcheck test` from there: the laptop suite passes as suites/unit/EXPECTED.md says', async () => {
    const r = await installed(dir, ['test', '--flake', './flake', '--suite', 'laptop.yaml', '--out', 'reports']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'reports/results.json'), 'utf8')) as RunResult;
    expect(result.summary).toEqual({ total: 42, pass: 41, fail: 0, error: 0, skip: 1 });
    expect(result.tool.version).toBe(pkg.version);
  });

  it('runs `nixcheck comply` from there: the verdicts compliance/EXPECTED.md lists for laptop and cis-l1-server', async () => {
    const r = await installed(dir, ['comply', '--flake', './flake', '--host', 'laptop', '--profile', 'cis-l1-server', '--out', 'reports']);
    // No gate given: laptop's failing controls fail the run.
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('');
    const result = JSON.parse(readFileSync(join(dir, 'reports/compliance.json'), 'utf8')) as ComplianceResult;
    const counts = result.scores['laptop']!.overall.counts;
    expect([counts.pass, counts.fail, counts.error, counts['not-applicable'], counts.manual]).toEqual([49, 14, 0, 0, 2]);
    expect(result.scores['laptop']!.overall.weighted).toBeCloseTo(78.34, 2);
  });
});

describe('the git repository at a tag, installed outside the checkout', () => {
  const dir = consumerDir();

  beforeAll(async () => {
    const clone = join(tempDir('nixcheck-git-'), 'nixcheck');
    await execa('git', ['clone', '--quiet', REPO, clone]);
    await execa('git', ['-C', clone, 'tag', `v${pkg.version}-test`]);
    // npm clones the tag, installs the devDependencies and runs `prepare` (tsc) there.
    const install = await execa('npm', [...NPM_INSTALL, `git+file://${clone}#v${pkg.version}-test`], { cwd: dir, reject: false });
    expect(install.exitCode, install.stderr).toBe(0);
  }, 600_000);

  it('has the built CLI and runs `nixcheck test` from there', async () => {
    expect(existsSync(join(dir, 'node_modules/nixcheck/dist/cli/bin.js'))).toBe(true);
    const r = await installed(dir, ['test', '--flake', './flake', '--suite', 'laptop.yaml', '--out', 'reports']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nixcheck 41 passed, 0 failed, 0 errors, 1 skipped/);
  });
});
