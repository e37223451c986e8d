import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { judgeRuntimeCheck } from '../../../src/compliance/runtime-verdicts.js';
import { checkShellCommand, readCheckOutput, type CheckRun } from '../../../src/shell/check-command.js';
import { resolveNodesPlaceholder } from '../../../src/vm/driver/nix.js';
import { ALLOWED_MACHINE_METHODS } from '../../../src/vm/driver/python.js';
import { compileRuntimeChecks, parseRuntimeCheckLog } from '../../../src/vm/runtime-checks/index.js';
import { ALLOWED_OTHER_CALLS, evalWithMockFlake, expectNixParses, pythonApi, runWithFakeMachines, sortedNodeInfo, writeTemp } from '../driver/helpers.js';

const CHECKS = [
  { controlId: 'SSH-01', command: 'sshd -T | grep -i permitrootlogin', expect: { matches: 'no' } },
  { controlId: 'FW-02', command: `nft list ruleset | grep -c 'drop' && echo "\${x}" '"""'`, expect: { gte: 1 } },
  { controlId: 'SSH-01', command: 'exit 3', expect: { equals: '' } },
];

describe('compileRuntimeChecks', () => {
  const test = compileRuntimeChecks('k3s-node', CHECKS, { flakeRef: 'github:example/infra' });

  it('one VM test per host; Nix parses, Python uses only execute (plus boot)', () => {
    expectNixParses(test.nix);
    const api = pythonApi(test.python, ['machine']);
    expect(api.machineCalls).toEqual(['execute', 'start', 'wait_for_unit']);
    for (const m of api.machineCalls) expect(ALLOWED_MACHINE_METHODS).toContain(m);
    for (const c of api.otherCalls) expect(ALLOWED_OTHER_CALLS, c).toContain(c);
    expect(api.unusedImports).toEqual([]);
    expect(test.nodes).toEqual([{ name: 'machine', host: 'k3s-node', memoryMiB: 1024 }]);
    const info = { machine: { ip: '192.168.1.1', hostName: 'k3s-node' } };
    const v = evalWithMockFlake(writeTemp('rt.nix', test.nix), ['k3s-node'], info) as { testScript: string; nodes: { machine: { imports: string[] } } };
    expect(v.nodes.machine.imports).toEqual(['modules-of-k3s-node']);
    expect(v.testScript).toBe(resolveNodesPlaceholder(test.python, sortedNodeInfo(info)));
  });

  it('prints one record per check, which parseRuntimeCheckLog reads back (fake machines)', () => {
    const r = runWithFakeMachines(test.python, {
      nodes: { machine: { ip: '192.168.1.1', hostName: 'k3s-node' } },
      rules: [
        { contains: 'permitrootlogin', out: 'permitrootlogin no\n' },
        { contains: 'nft', out: '3\n${x} """\n' },
        { contains: 'exit 3', rc: 3, out: '' },
      ],
    });
    expect(r.code).toBe(0);
    const executed = r.calls.filter((c) => c.method === 'execute').map((c) => c.args[0]);
    expect(executed).toEqual(CHECKS.map((c) => checkShellCommand(c.command, 120)));
    expect(parseRuntimeCheckLog(`\u001b[1mnoise\u001b[0m\n${r.log}`)).toEqual([
      { controlId: 'SSH-01', index: 0, exitCode: 0, stdout: 'permitrootlogin no\n' },
      { controlId: 'FW-02', index: 1, exitCode: 0, stdout: '3\n${x} """\n' },
      { controlId: 'SSH-01', index: 2, exitCode: 3, stdout: '' },
    ]);
  });

  it('what the VM runs fails honestly: a missing tool in a pipeline is an error, not an empty pass (real bash)', async () => {
    const checks = [{ controlId: 'audit', command: "nixcheck-no-auditctl -s | awk '$1 == \"enabled\" { print $2 }'", expect: { not: { equals: '2' } } }];
    const compiled = compileRuntimeChecks('laptop', checks, { flakeRef: 'x' });
    const r = runWithFakeMachines(compiled.python, { nodes: { machine: { ip: '192.168.1.1', hostName: 'laptop' } }, rules: [] });
    const [command] = r.calls.filter((c) => c.method === 'execute').map((c) => c.args[0] as string);
    // The driver's execute() runs the command line under `set -euo pipefail` in bash.
    const inVm = await execa('bash', ['-c', `set -euo pipefail; ${command}`], { reject: false, stripFinalNewline: false });
    const run: CheckRun = { exitCode: inVm.exitCode ?? null, ...readCheckOutput(String(inVm.stdout)) };
    expect(run).toMatchObject({ exitCode: 127, missingCommands: ['nixcheck-no-auditctl'] });
    expect(judgeRuntimeCheck({ ...checks[0]!, exitCodes: [0], unsafe: false, location: { file: 'x', line: 1, column: 1 } }, run, 120)).toMatchObject({
      status: 'error',
      reason: 'command not found: nixcheck-no-auditctl',
    });
  });

  it('rejects a node name the driver cannot use', () => {
    expect(() => compileRuntimeChecks('h', CHECKS, { flakeRef: 'x', node: 'my-node' })).toThrow(/Python identifier/);
  });
});
