import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixcheckProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/paths.js';
import { alive } from '../helpers/process.js';

/** Every running process as pid, parent and process group (from /proc). */
function processes(): { pid: number; ppid: number; pgrp: number; cmdline: string }[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (state === 'Z') return [];
        return [{ pid: Number(pid), ppid: Number(ppid), pgrp: Number(pgrp), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') }];
      } catch {
        return [];
      }
    });
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A run interrupted while Nix (an evaluator session, `nix repl`) works on a slow value: Nix runs in its own process
 * group (the terminal's Ctrl-C never reaches it) and ignores SIGTERM for minutes while it
 * evaluates, so only nixcheck can end it.
 */
describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)('nixcheck test interrupted by %s', (signal, code) => {
  it(`ends the Nix process group, removes its temp files, writes no report and exits ${code}`, async () => {
    const dir = tempDir();
    const tmp = join(dir, 'tmp');
    const out = join(dir, 'out');
    mkdirSync(tmp);
    // About a billion additions in constant memory: minutes of evaluation.
    writeFileSync(
      join(dir, 'slow.nix'),
      "{ config.x = builtins.foldl' (acc: i: builtins.foldl' (a: j: a + j) acc (builtins.genList (j: j) 10000)) 0 (builtins.genList (i: i) 100000); }\n",
    );
    writeFileSync(join(dir, 'suite.yaml'), 'targets: [{ file: slow.nix }]\ncases:\n  - { name: slow, path: x, gte: 0 }\n');
    const run = nixcheckProcess(['test', '--suite', join(dir, 'suite.yaml'), '--no-cache', '--out', out, '--timeout', '600'], {
      env: { TMPDIR: tmp },
    });
    const nix = await waitFor('the Nix session to start', () =>
      processes().find((p) => p.ppid === run.pid && / repl $/.test(p.cmdline)),
    );
    expect(nix.pgrp).not.toBe(run.pid);
    await new Promise((r) => setTimeout(r, 500));
    run.kill(signal);
    const result = await run;
    expect(result.exitCode, String(result.stderr)).toBe(code);
    expect(result.stderr).toContain(`stopped by ${signal}`);
    expect(alive(nix.pid)).toBe(false);
    expect(processes().filter((p) => p.pgrp === nix.pgrp)).toEqual([]);
    // tsx (which runs the TypeScript sources here) keeps its own cache in TMPDIR.
    expect(readdirSync(tmp).filter((n) => !n.startsWith('tsx-'))).toEqual([]);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    expect(existsSync(join(out, 'junit.xml'))).toBe(false);
  }, 120_000);
});
