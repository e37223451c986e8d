import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeReportSet } from '../../src/util/atomic-write.js';
import { nixcheckProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/paths.js';

/**
 * A full disk, for real: a 64 KiB tmpfs mounted for this file and unmounted afterwards
 * (the tests run as root in CI; elsewhere the file is skipped, saying why).
 */
const root = process.getuid?.() === 0;
if (!root) console.log('full-disk tests skipped: mounting a small tmpfs needs root');

describe.skipIf(!root)('writing reports on a full disk', () => {
  const disk = join(tempDir(), 'disk');
  const big = 'x'.repeat(256 * 1024);

  beforeAll(() => {
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
  });
  afterAll(() => {
    execFileSync('umount', [disk]);
    rmdirSync(disk);
  });

  it('writeFileAtomic removes its temporary file and names the file', async () => {
    const dir = join(disk, 'single');
    await expect(writeFileAtomic(join(dir, 'big.json'), big)).rejects.toThrow(`cannot write ${join(dir, 'big.json')}: ENOSPC`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a report set that does not fit leaves the old set whole and no staging files', async () => {
    const dir = join(disk, 'set');
    const old = await writeReportSet(dir, [
      { name: 'junit.xml', render: () => 'old junit' },
      { name: 'results.json', render: () => 'old results' },
    ]);
    expect(old.failures).toEqual([]);
    const next = await writeReportSet(dir, [
      { name: 'junit.xml', render: () => 'new junit' },
      { name: 'results.json', render: () => big },
    ]);
    expect(next.written).toEqual([]);
    expect(next.failures[0]).toMatch(new RegExp(`^cannot write ${join(dir, 'results.json')}: ENOSPC`));
    expect(readdirSync(dir).sort()).toEqual(['junit.xml', 'results.json']);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toBe('old junit');
    expect(readFileSync(join(dir, 'results.json'), 'utf8')).toBe('old results');
  });

  it('nixcheck test exits 3 naming the file, and the next run that fits succeeds', async () => {
    const dir = tempDir();
    const out = join(disk, 'cli');
    // One case whose actual value (and so every report) is larger than the disk, one that fits.
    writeFileSync(join(dir, 'values.nix'), '{ config.big = builtins.concatStringsSep "" (builtins.genList (i: "0123456789") 20000); config.small = true; }\n');
    writeFileSync(join(dir, 'suite.yaml'), 'targets: [{ file: values.nix }]\ncases:\n  - { name: big, path: big, type: string }\n');
    writeFileSync(join(dir, 'small.yaml'), 'targets: [{ file: values.nix }]\ncases:\n  - { name: small, path: small, equals: true }\n');
    const full = await nixcheckProcess(['test', '--suite', join(dir, 'suite.yaml'), '--out', out, '--no-cache', '-r', 'json', '-r', 'junit']);
    expect(full.exitCode, String(full.stderr)).toBe(3);
    expect(String(full.stderr)).toMatch(/cannot write .*\/cli\/(results\.json|junit\.xml): ENOSPC/);
    expect(readdirSync(out)).toEqual([]);
    const fits = await nixcheckProcess(['test', '--suite', join(dir, 'small.yaml'), '--out', out, '--no-cache', '-r', 'json', '-r', 'junit']);
    expect(fits.exitCode, String(fits.stderr)).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['junit.xml', 'results.json']);
  }, 120_000);
});
