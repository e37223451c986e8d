import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/paths.js';
import { validatorFor } from '../../../src/util/schemas.js';
import { parseYaml } from '../../../src/util/yaml-source.js';
import { resolveNodesPlaceholder } from '../../../src/vm/driver/nix.js';
import { ALLOWED_MACHINE_METHODS } from '../../../src/vm/driver/python.js';
import { buildIntegrationSuite, compileIntegrationTest, loadIntegrationSuites, type IntegrationTest } from '../../../src/vm/integration/index.js';
import { ALLOWED_OTHER_CALLS, evalWithMockFlake, expectNixParses, pythonApi, REPO_ROOT, runWithFakeMachines, sortedNodeInfo, writeTemp } from '../driver/helpers.js';
import { inputError } from '../../helpers/errors.js';

const FLAKE = 'github:example/infra';

function suiteFrom(text: string, file = 'suites/integration/x.yaml'): IntegrationTest[] {
  return buildIntegrationSuite(parseYaml(file, text, validatorFor('integration'), 'integration suite') as never);
}

describe('integration suites in suites/integration', () => {
  it('every suite loads and every test compiles to Nix that parses and Python that uses only allowed driver methods', async () => {
    const tests = await loadIntegrationSuites(['suites/integration/*.yaml'], REPO_ROOT);
    expect(tests.length).toBeGreaterThanOrEqual(4);
    for (const test of tests) {
      const c = compileIntegrationTest(test, { flakeRef: FLAKE });
      expectNixParses(c.nix);
      const api = pythonApi(c.python, test.nodes.map((n) => n.name));
      for (const m of api.machineCalls) expect(ALLOWED_MACHINE_METHODS).toContain(m);
      for (const call of api.otherCalls) expect(ALLOWED_OTHER_CALLS, `${test.name}: ${call}`).toContain(call);
      expect(api.unusedImports).toEqual([]);
      expect(api.badFstrings).toBe(0);
      expect(c.steps.map((s) => s.index)).toEqual([0, ...test.steps.map((s) => s.index)]);
      expect(c.requiredSystemFeatures).toEqual(['kvm', 'nixos-test']);
    }
  });

  it('the firewall ruleset step shows the rules on an nftables host and on an iptables host (real bash, stand-in tools)', async () => {
    const tests = await loadIntegrationSuites(['suites/integration/ssh-and-firewall.yaml'], REPO_ROOT);
    const step = tests.flatMap((t) => t.steps).find((s) => s.kind === 'succeed' && s.title.includes('opens the Kubernetes ports'));
    const command = (step as { command: string }).command;
    const RULES = 'tcp dport 6443 accept\ntcp dport 10250 accept';
    // Stand-ins for the tools: iptables-save of iptables-nft prints nothing on a host whose firewall is nftables.
    const host = (tools: Record<string, string>) => {
      const bin = tempDir('nixcheck-tools-');
      for (const [name, script] of Object.entries(tools)) writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
      // As the driver's execute() runs it: bash, set -euo pipefail, and the node's tools on PATH.
      return execa('/bin/bash', ['-c', `set -euo pipefail; ${command}`], { reject: false, env: { PATH: `${bin}:/usr/bin:/bin` }, extendEnv: false });
    };
    const nftables = await host({ 'iptables-save': 'exit 0', nft: `printf '%s\\n' '${RULES.replace(/\n/g, "' '")}'` });
    expect(nftables.exitCode, nftables.stderr).toBe(0);
    expect(nftables.stdout).toContain('6443');
    expect(nftables.stdout).toContain('10250');
    const iptables = await host({ 'iptables-save': `echo '-A nixos-fw -p tcp --dport 6443 -j nixos-fw-accept'; echo '-A nixos-fw -p tcp --dport 10250 -j nixos-fw-accept'` });
    expect(iptables.exitCode, iptables.stderr).toBe(0);
    expect(iptables.stdout).toMatch(/6443[\s\S]*10250/);
    // Neither tool answers: the step fails instead of passing on empty output.
    expect((await host({})).exitCode).not.toBe(0);
  });

  it('the ssh suite: steps, titles, locations and node names', async () => {
    const tests = await loadIntegrationSuites(['suites/integration/ssh-and-firewall.yaml'], REPO_ROOT);
    const fw = tests.find((t) => t.name === 'firewall between laptop and k3s-node')!;
    expect(fw.nodes.map((n) => [n.name, n.host])).toEqual([['laptop', 'laptop'], ['k3s', 'k3s-node']]);
    expect(fw.retries).toBe(1);
    const step = fw.steps[4]!;
    expect(step).toMatchObject({ kind: 'fail', node: 'laptop', target: 'k3s', index: 5 });
    expect(step.title).toBe('5. the laptop cannot reach the unopened port (firewall rejects it)');
    expect(step.location.file).toBe(join('suites', 'integration', 'ssh-and-firewall.yaml'));
    expect(step.location.line).toBeGreaterThan(1);
  });
});

describe('compileIntegrationTest', () => {
  const [test] = suiteFrom(`
tests:
  - name: web
    nodes:
      server: { host: web-host, memoryMiB: 2048, packages: [curl, python3Packages.requests], with: { services.nginx.enable: true, 'boot.kernel.sysctl."net.core.somaxconn"': 1024 }, withPriority: force }
      client: { host: laptop }
    timeout: 600
    steps:
      - waitForUnit: { node: server, unit: nginx.service, timeout: 60 }
      - waitForOpenPort: { node: server, port: 80 }
      - waitForFile: { node: server, path: "/run/nginx/nginx.pid" }
      - succeed: { node: client, target: server, command: "curl -s http://$TARGET/", expect: { contains: "Welcome" } }
      - fail: { node: client, command: "false" }
      - reboot: { node: server }
      - crash: { node: client }
      - block: { node: client }
      - unblock: { node: client }
      - sleep: 2
      - waitUntilSucceeds: { node: client, command: "true", timeout: 30 }
`);

  it('evaluates against a mock flake: host modules, overrides as data, system.name, memory, packages', () => {
    const c = compileIntegrationTest(test!, { flakeRef: FLAKE });
    const info = { client: { ip: '192.168.1.1', hostName: 'laptop' }, server: { ip: '192.168.1.2', hostName: 'web' } };
    const v = evalWithMockFlake(writeTemp('web.nix', c.nix), ['web-host', 'laptop'], info) as {
      name: string;
      globalTimeout: number;
      node: unknown;
      nodes: Record<string, { imports: string[]; config: { _type: string; contents: unknown[] } }>;
      testScript: string;
    };
    expect(v.name).toBe('nixcheck-x-web');
    expect(v.globalTimeout).toBe(600);
    expect(v.node).toEqual({ pkgsReadOnly: false, specialArgs: { inputs: 'inputs' } });
    expect(v.nodes['server']!.imports).toEqual(['modules-of-web-host']);
    expect(v.nodes['client']!.imports).toEqual(['modules-of-laptop']);
    const contents = v.nodes['server']!.config.contents;
    expect(contents[0]).toEqual({
      system: { name: { _type: 'override', priority: 50, content: 'server' } },
      environment: { systemPackages: ['pkg-curl', 'pkg-requests'] },
      virtualisation: { fileSystems: {} },
    });
    expect(contents[1]).toEqual({ _type: 'if', content: { virtualisation: { memorySize: 2048 } } });
    expect(contents[2]).toEqual({ _type: 'if-false' });
    expect(contents.slice(3)).toEqual([
      { services: { nginx: { enable: { _type: 'override', priority: 50, content: true } } } },
      { boot: { kernel: { sysctl: { 'net.core.somaxconn': { _type: 'override', priority: 50, content: 1024 } } } } },
    ]);
    expect(v.nodes['client']!.config.contents[1]).toEqual({ _type: 'if-false' });
    // The script Nix renders is the compiled script with the node addresses filled in.
    expect(v.testScript).toBe(resolveNodesPlaceholder(c.python, sortedNodeInfo(info)));
  });

  it('the script calls the driver with the suite data (run against recording fake machines)', () => {
    const c = compileIntegrationTest(test!, { flakeRef: FLAKE });
    const r = runWithFakeMachines(c.python, {
      nodes: { client: { ip: '192.168.1.1', hostName: 'laptop' }, server: { ip: '192.168.1.2', hostName: 'web' } },
      rules: [{ contains: 'false', rc: 1 }, { contains: 'curl', out: 'Welcome to nginx\n' }],
    });
    expect(r.log).not.toContain('!!!');
    expect(r.code).toBe(0);
    expect(r.calls.map((x) => `${x.node}.${x.method}`)).toEqual([
      'server.start', 'client.start', 'server.wait_for_unit', 'client.wait_for_unit',
      'server.wait_for_unit', 'server.wait_for_open_port', 'server.wait_for_file', 'client.succeed', 'client.fail',
      'server.shutdown', 'server.start', 'server.wait_for_unit', 'client.crash', 'client.start', 'client.wait_for_unit',
      'client.block', 'client.unblock', 'client.wait_until_succeeds',
    ]);
    expect(r.calls[4]).toMatchObject({ args: ['nginx.service'], kwargs: { timeout: 60 } });
    expect(r.calls[6]!.args).toEqual(["/run/nginx/nginx.pid"]);
    expect(r.calls[7]!.args).toEqual(["export TARGET=192.168.1.2 TARGET_HOST=web; curl -s http://$TARGET/"]);
    for (let i = 0; i <= 11; i++) {
      expect(r.log).toMatch(new RegExp(`nixcheck-step-begin ${i} \\{`));
      expect(r.log).toMatch(new RegExp(`nixcheck-step-end ${i} ok \\{`));
    }
    expect(r.log).toContain('subtest: 4. client: curl -s http://$TARGET/ (target server)');
    expect(r.log).toContain('nixcheck-step-output 4 {');
    expect(r.log).toContain('"stdout": "Welcome to nginx\\n"');
  });

  it('a command with quotes, backslashes, """, ${ and the placeholder round-trips through Nix and Python unchanged', () => {
    const evil = `echo "a'b" \\\\n \\" """ \${HOME} \${builtins.abort "x"} '' @NIXCHECK_NODES@ "@NIXCHECK_NODES@" $(id)\nline2\ttab é 🎉`;
    const evilPath = `/tmp/we ird"'/\${x}`;
    const t: IntegrationTest = {
      suite: 's', suiteFile: 's.yaml', name: `n"\${x}`, location: { file: 's.yaml', line: 1, column: 1 },
      nodes: [{ name: 'm', host: `h"\${builtins.abort "host"}`, with: [{ path: ['a', 'b"${x}'], value: evil, priority: 100 }], packages: [], location: { file: 's.yaml', line: 1, column: 1 } }],
      steps: [
        { kind: 'succeed', node: 'm', command: evil, index: 1, title: `1. ${evil}`, location: { file: 's.yaml', line: 2, column: 1 } },
        { kind: 'waitForFile', node: 'm', path: evilPath, index: 2, title: '2. f', location: { file: 's.yaml', line: 3, column: 1 } },
      ],
    };
    const c = compileIntegrationTest(t, { flakeRef: '${builtins.abort "ref"}' });
    expectNixParses(c.nix);
    const info = { m: { ip: '10.0.0.1', hostName: `x"\${y}'` } };
    const v = evalWithMockFlake(writeTemp('evil.nix', c.nix), [`h"\${builtins.abort "host"}`], info) as {
      nodes: { m: { config: { contents: unknown[] } } };
      testScript: string;
    };
    expect(v.nodes.m.config.contents[3]).toEqual({ a: { 'b"${x}': { _type: 'override', priority: 100, content: evil } } });
    expect(v.testScript).toBe(resolveNodesPlaceholder(c.python, sortedNodeInfo(info)));
    // Run the script Nix produced: the driver receives exactly the user's strings.
    const r = runWithFakeMachines(v.testScript.replace(JSON.stringify(JSON.stringify(sortedNodeInfo(info))), '"@NIXCHECK_NODES@"'), { nodes: info });
    expect(r.code).toBe(0);
    expect(r.calls.find((x) => x.method === 'succeed')!.args).toEqual([evil]);
    expect(r.calls.find((x) => x.method === 'wait_for_file')!.args).toEqual([`'/tmp/we ird"'"'"'/\${x}'`]);
    expect(r.log).toContain(`subtest: 1. ${evil.split('\n')[0]}`);
  });

  it('rejects node names the driver cannot use and unknown nodes, with file:line', () => {
    const e = inputError(() =>
      suiteFrom(`tests:
  - name: t
    nodes:
      ok_node: { host: a }
    steps:
      - succeed: { node: other, command: "true" }
      - fail: { node: ok_node, target: nobody, command: "true" }
`),
    );
    expect(e.message).toMatch(/x\.yaml:6:\d+: unknown node "other"/);
    expect(e.message).toMatch(/x\.yaml:7:\d+: unknown target node "nobody"/);
    const bad = inputError(() => suiteFrom(`tests:\n  - name: t\n    nodes:\n      k3s-node: { host: a }\n    steps:\n      - sleep: 1\n`));
    expect(bad.message).toMatch(/x\.yaml:4:\d+: .*k3s-node/);
    const reserved = inputError(() => suiteFrom(`tests:\n  - name: t\n    nodes:\n      driver: { host: a }\n    steps:\n      - sleep: 1\n`));
    expect(reserved.message).toMatch(/x\.yaml:4:\d+: node name "driver" is reserved/);
  });

  it('schema errors name the file and line', () => {
    const e = inputError(() =>
      suiteFrom(`tests:
  - name: t
    nodes:
      m: { host: a }
    steps:
      - succeed: { node: m }
      - explode: { node: m }
      - waitForOpenPort: { node: m, port: 70000 }
`),
    );
    expect(e.message).toMatch(/x\.yaml:6:\d+: .*"command"/);
    expect(e.message).toMatch(/x\.yaml:7:\d+: unknown key "explode"/);
    expect(e.message).toMatch(/x\.yaml:8:\d+: .*port.* must be <= 65535/);
  });

  it('an invalid expect regex is an input error at its line', () => {
    const e = inputError(() => suiteFrom(`tests:\n  - name: t\n    nodes:\n      m: { host: a }\n    steps:\n      - succeed: { node: m, command: x, expect: { matches: "(" } }\n`));
    expect(e.message).toMatch(/x\.yaml:6:\d+: expect\.matches is not a regular expression nixcheck can run/);
  });
});
