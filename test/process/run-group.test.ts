import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcessGroup } from '../../src/process/run-group.js';
import { tempDir } from '../helpers/paths.js';
import { alive } from '../helpers/process.js';


describe('runInProcessGroup', () => {
  it('kills the whole process group on timeout, grandchildren included', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'grandchild.pid');
    // The grandchild ignores SIGTERM, so only the SIGKILL escalation can stop it.
    const script = `sh -c 'trap "" TERM; sleep 60' & echo $! > ${pidFile}; wait`;
    const result = await runInProcessGroup('sh', ['-c', script], { timeoutMs: 300, killGraceMs: 200 });
    expect(result.timedOut).toBe(true);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(grandchild)).toBe(false);
  });

  it('streams stderr lines while the process runs and returns its output', async () => {
    const lines: string[] = [];
    const result = await runInProcessGroup('sh', ['-c', 'echo one >&2; echo two >&2; printf out; exit 3'], { onStderrLine: (l) => lines.push(l) });
    expect(lines).toEqual(['one', 'two']);
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out', timedOut: false });
  });

  it('stops on an abort signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await runInProcessGroup('sleep', ['30'], { signal: controller.signal });
    expect(result.cancelled).toBe(true);
    expect(result.durationMs).toBeLessThan(5000);
  });
});
