import { describe, expect, it } from 'vitest';
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
    expect(executed).toEqual([
      "timeout 120 bash -c 'sshd -T | grep -i permitrootlogin'",
      `timeout 120 bash -c 'nft list ruleset | grep -c '"'"'drop'"'"' && echo "\${x}" '"'"'"""'"'"''`,
      "timeout 120 bash -c 'exit 3'",
    ]);
    expect(parseRuntimeCheckLog(`\u001b[1mnoise\u001b[0m\n${r.log}`)).toEqual([
      { controlId: 'SSH-01', index: 0, exitCode: 0, stdout: 'permitrootlogin no\n' },
      { controlId: 'FW-02', index: 1, exitCode: 0, stdout: '3\n${x} """\n' },
      { controlId: 'SSH-01', index: 2, exitCode: 3, stdout: '' },
    ]);
  });

  it('rejects a node name the driver cannot use', () => {
    expect(() => compileRuntimeChecks('h', CHECKS, { flakeRef: 'x', node: 'my-node' })).toThrow(/Python identifier/);
  });
});
