import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkShellCommand, readCheckOutput, unansweredReason, type CheckRun } from '../../src/shell/check-command.js';

/** Run a check's command line as the NixOS test driver's execute() does: under `set -euo pipefail`. */
async function run(command: string, timeoutS = 30): Promise<CheckRun> {
  const r = await execa('bash', ['-c', `set -euo pipefail; ${checkShellCommand(command, timeoutS)}`], { reject: false, stripFinalNewline: false, input: 'stdin text the check must not see\n' });
  return { exitCode: r.exitCode ?? null, ...readCheckOutput(String(r.stdout)), stderr: String(r.stderr) };
}

describe('the shell command of a check', () => {
  it('a missing tool at the head of a pipeline is exit 127 and reported, not empty output with exit 0', async () => {
    const r = await run("nixcheck-no-such-tool -s | awk '$1 == \"enabled\" { print $2 }'");
    expect(r).toMatchObject({ exitCode: 127, stdout: '', missingCommands: ['nixcheck-no-such-tool'] });
    expect(unansweredReason(r, [0], 30)).toBe('command not found: nixcheck-no-such-tool');
  });

  it('a missing tool is reported even behind ||, inside $(...) and with stderr discarded', async () => {
    const r = await run('test "$(nixcheck-no-such-a)" = "$(nixcheck-no-such-b 2>/dev/null)" && echo same; nixcheck-no-such-c 2>/dev/null || echo fallback');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('same\nfallback\n');
    expect(r.missingCommands).toEqual(['nixcheck-no-such-a', 'nixcheck-no-such-b', 'nixcheck-no-such-c']);
    expect(unansweredReason(r, [0, 1], 30)).toMatch(/^command not found: nixcheck-no-such-a/);
  });

  it('a failing stage fails the pipeline (pipefail), whatever the last stage prints', async () => {
    const r = await run('cat /nonexistent/file | wc -l');
    expect(r.exitCode).toBe(1);
    expect(r.stdout.trim()).toBe('0');
    expect(unansweredReason(r, [0], 30)).toMatch(/^exited 1, which is not an answer \(0\): a command or pipeline stage failed: cat: \/nonexistent\/file: No such file or directory$/);
  });

  it('exit codes listed as answers are judged; output without a final newline and quotes survive', async () => {
    const r = await run(`grep -c nixcheck-absent /dev/null`);
    expect(r).toMatchObject({ exitCode: 1, stdout: '0\n', missingCommands: [] });
    expect(unansweredReason(r, [0, 1], 30)).toBeNull();
    expect(await run(`printf '%s' "it's \\"quoted\\""`)).toMatchObject({ exitCode: 0, stdout: `it's "quoted"` });
  });

  it('stdin is /dev/null and the command runs under a timeout', async () => {
    expect((await run('cat; echo done')).stdout).toBe('done\n');
    const slow = await run('sleep 10', 1);
    expect(slow.exitCode).toBe(124);
    expect(unansweredReason(slow, [0, 124], 1)).toMatch(/^timed out after 1s/);
  });

  it('a record without an exit code is unanswered, with its reason', () => {
    expect(unansweredReason({ exitCode: null, stdout: '', missingCommands: [], error: 'the connection broke' }, [0], 5)).toBe('the connection broke');
    expect(unansweredReason({ exitCode: 126, stdout: '', missingCommands: [] }, [0], 5)).toMatch(/could not be found or run \(exit 126\)/);
  });
});
