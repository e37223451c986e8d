import { describe, expect, it } from 'vitest';
import { batchScript, readBatchOutput } from '../../src/live/batch.js';
import { runOnTarget } from '../../src/live/run-target.js';
import { parseLiveTarget } from '../../src/live/target.js';
import { freePort } from '../helpers/sshd.js';

describe('one session per target (bash -s on this machine)', () => {
  it('frames every command: stdout, stderr, exit code, missing commands; no command reads the script', async () => {
    const run = await runOnTarget(
      parseLiveTarget('local'),
      [
        'printf "no newline"',
        'cat; echo "stdin was empty"',
        'echo "nixcheck-0123 end 1 0"; echo oops >&2; exit 3',
        'nixcheck-no-such-tool | wc -l',
        `echo "it's  there"`,
      ],
      { commandTimeoutS: 20 },
    );
    expect(run.problem).toBeUndefined();
    expect(run.runs).toEqual([
      { exitCode: 0, stdout: 'no newline', missingCommands: [] },
      { exitCode: 0, stdout: 'stdin was empty\n', missingCommands: [] },
      { exitCode: 3, stdout: 'nixcheck-0123 end 1 0\n', stderr: 'oops\n', missingCommands: [] },
      { exitCode: 127, stdout: '0\n', stderr: 'bash: nixcheck-no-such-tool: command not found\n', missingCommands: ['nixcheck-no-such-tool'] },
      { exitCode: 0, stdout: "it's  there\n", missingCommands: [] },
    ]);
  });

  it('ignores what a login shell prints first; a session cut short leaves the rest without an exit code', () => {
    const nonce = 'nixcheck-abc';
    const script = batchScript(['true', 'true'], 5, nonce);
    expect(script).toContain(`printf '%s\\n' '${nonce} begin 1'`);
    const stdout = `Welcome to host!\n${nonce} begin 0\nhello\n${nonce} end 0 0\n${nonce} begin 1\npartial`;
    expect(readBatchOutput(stdout, '', 2, nonce, 'the connection broke')).toEqual([
      { exitCode: 0, stdout: 'hello', missingCommands: [] },
      { exitCode: null, stdout: '', missingCommands: [], error: 'the connection broke' },
    ]);
  });

  it('a target that cannot be reached is a problem for every command, with ssh\'s reason', async () => {
    const port = await freePort();
    const run = await runOnTarget(parseLiveTarget(`ssh://root@127.0.0.1:${port}`), ['true', 'true'], { commandTimeoutS: 5, connectTimeoutS: 5 });
    expect(run.problem).toMatch(new RegExp(`the session on ssh://root@127\\.0\\.0\\.1:${port} ended early \\(ssh exited 255\\): .*Connection refused`));
    expect(run.runs.map((r) => r.exitCode)).toEqual([null, null]);
  });
});
