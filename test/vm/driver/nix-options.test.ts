/**
 * `vm run --builders` / `--nix-option`: the settings reach `nix build` of the driver as
 * `--option NAME VALUE`. Nix here is a recording stand-in (NIXCHECK_NIX) that fails the
 * build, so nothing is built and no VM boots.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { runVmTests } from '../../../src/vm/driver/run.js';
import { compileIntegrationTest, flakeCheck, loadIntegrationSuites } from '../../../src/vm/integration/index.js';
import { REPO, tempDir } from '../../helpers/paths.js';

const BUILDERS = 'ssh://builder x86_64-linux - 4 1 kvm,nixos-test';

function recordingNix(): { binary: string; argv: () => string[][] } {
  const dir = tempDir('nixcheck-fake-nix-');
  const log = join(dir, 'argv.jsonl');
  const binary = join(dir, 'nix');
  writeFileSync(
    binary,
    `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\nprocess.stderr.write('error: the recording stand-in builds nothing\\n');\nprocess.exit(1);\n`,
  );
  chmodSync(binary, 0o755);
  return { binary, argv: () => readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]) };
}

describe('Nix settings for building VM tests', () => {
  const saved = process.env.NIXCHECK_NIX;
  afterEach(() => {
    if (saved === undefined) delete process.env.NIXCHECK_NIX;
    else process.env.NIXCHECK_NIX = saved;
  });

  it('passes each setting to nix build as --option NAME VALUE, before the installable', async () => {
    const nix = recordingNix();
    process.env.NIXCHECK_NIX = nix.binary;
    const [test] = await loadIntegrationSuites(['suites/integration/ssh-and-firewall.yaml'], REPO);
    const runs = await runVmTests(
      [compileIntegrationTest(test!, { flakeRef: 'path:/nowhere' }), flakeCheck('nginx', { system: 'x86_64-linux' })],
      { flakeRef: 'path:/nowhere', outDir: tempDir(), concurrency: 1, nixOptions: [['builders', BUILDERS], ['max-jobs', '0']] },
      () => false,
    );
    expect(runs.map((r) => r.notRun?.reason)).toEqual(['build', 'build']);
    const builds = nix.argv();
    expect(builds).toHaveLength(2);
    for (const argv of builds) {
      expect(argv.slice(argv.indexOf('build'))).toEqual(expect.arrayContaining(['--option', 'builders', BUILDERS, '--option', 'max-jobs', '0']));
      const settings = argv.indexOf('--option');
      const installable = argv.findIndex((a) => a === '-f' || a.includes('#checks.'));
      expect(settings).toBeGreaterThan(argv.indexOf('build'));
      expect(settings).toBeLessThan(installable);
    }
    expect(builds[0]!.slice(-2)).toEqual([join(runs[0]!.artifactsDir, 'test.nix'), 'driver']);
    expect(builds[1]!.at(-1)).toBe('path:/nowhere#checks.x86_64-linux."nginx".driver');
  });

  it('passes nothing extra when no setting is given', async () => {
    const nix = recordingNix();
    process.env.NIXCHECK_NIX = nix.binary;
    await runVmTests([flakeCheck('nginx', { system: 'x86_64-linux' })], { flakeRef: 'path:/nowhere', outDir: tempDir() }, () => false);
    expect(nix.argv()[0]).not.toContain('--option');
  });

  it('rejects a --nix-option that is not NAME=VALUE (exit 2)', async () => {
    const r = await execa('npx', ['tsx', 'src/cli/bin.ts', 'vm', 'run', '--flake', 'fixtures/offline', '--nix-option', 'max-jobs', '--out', tempDir()], { cwd: REPO, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--nix-option expects NAME=VALUE .*got "max-jobs"/);
  });
});
