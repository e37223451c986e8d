import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkShellCommand } from '../../../src/shell/check-command.js';
import { validatorFor } from '../../../src/util/schemas.js';
import { parseYaml } from '../../../src/util/yaml-source.js';
import { buildChaosSuite, compileChaosScenario, loadChaosSuites, resilienceScores, runChaosScenarios, type ChaosScenario, type ScenarioOutcome } from '../../../src/vm/chaos/index.js';
import { resolveNodesPlaceholder } from '../../../src/vm/driver/nix.js';
import { ALLOWED_MACHINE_METHODS } from '../../../src/vm/driver/python.js';
import { tempDir } from '../../helpers/paths.js';
import { ALLOWED_OTHER_CALLS, evalWithMockFlake, expectNixParses, pythonApi, REPO_ROOT, runWithFakeMachines, sortedNodeInfo, writeTemp } from '../driver/helpers.js';

const suite = (text: string) => buildChaosSuite(parseYaml('suites/chaos/x.yaml', text, validatorFor('chaos'), 'chaos suite') as never);

const KILL = `
scenarios:
  - name: kill sshd
    nodes:
      laptop: { host: laptop }
      peer: { host: bare }
    weight: 2
    steadyState:
      probes:
        - unitActive: { node: laptop, unit: sshd.service }
        - portOpen: { node: peer, port: 22, target: laptop }
        - httpStatus: { node: peer, url: "http://$TARGET:80/", status: 200, target: laptop }
        - command: { node: laptop, command: "cat /etc/hostname", expect: { matches: "^lap" } }
    fault:
      serviceKill: { node: laptop, unit: sshd.service }
    recoveryDeadline: 30
    rollback:
      - succeed: { node: laptop, command: "systemctl restart sshd" }
`;
const NODES = { laptop: { ip: '192.168.1.1', hostName: 'laptop' }, peer: { ip: '192.168.1.2', hostName: 'bare' } };

describe('chaos suites in suites/chaos', () => {
  it('every scenario compiles to Nix that parses and Python that uses only allowed driver methods', async () => {
    const scenarios = await loadChaosSuites(['suites/chaos/*.yaml'], REPO_ROOT);
    expect(scenarios.map((s) => s.fault.kind).sort()).toEqual(['clockJump', 'crash', 'diskFull', 'networkPartition', 'oom', 'serviceKill']);
    for (const s of scenarios) {
      const c = compileChaosScenario(s, { flakeRef: 'github:example/infra' });
      expectNixParses(c.nix);
      const api = pythonApi(c.python, s.nodes.map((n) => n.name));
      for (const m of api.machineCalls) expect(ALLOWED_MACHINE_METHODS, s.name).toContain(m);
      for (const call of api.otherCalls) expect(ALLOWED_OTHER_CALLS, `${s.name}: ${call}`).toContain(call);
      expect(api.unusedImports).toEqual([]);
      expect(api.badFstrings).toBe(0);
    }
  });

  it('fault-specific node configuration: tmpfs for disk full, protected backdoor for OOM (evaluated)', async () => {
    const scenarios = await loadChaosSuites(['suites/chaos/services.yaml'], REPO_ROOT);
    const disk = compileChaosScenario(scenarios.find((s) => s.fault.kind === 'diskFull')!, { flakeRef: 'x' });
    const v = evalWithMockFlake(writeTemp('disk.nix', disk.nix), ['laptop'], { laptop: NODES.laptop }) as { nodes: { laptop: { config: { contents: Record<string, unknown>[] } } } };
    expect(v.nodes.laptop.config.contents[0]!['virtualisation']).toEqual({
      fileSystems: { '/var/log': { device: 'tmpfs', fsType: 'tmpfs', options: ['size=64m', 'mode=0755'] } },
    });
    const oom = compileChaosScenario(scenarios.find((s) => s.fault.kind === 'oom')!, { flakeRef: 'x' });
    const o = evalWithMockFlake(writeTemp('oom.nix', oom.nix), ['desktop'], { desktop: { ip: '192.168.1.3', hostName: 'desktop' } }) as { nodes: { desktop: { config: { contents: unknown[] } } } };
    expect(o.nodes.desktop.config.contents[2]).toEqual({ _type: 'if', content: { systemd: { services: { backdoor: { serviceConfig: { OOMScoreAdjust: -1000 } } } } } });
    expect(oom.python).toContain('desktop.succeed("echo 0 > /proc/sys/vm/panic_on_oom")');
  });
});

describe('compileChaosScenario', () => {
  const [scenario] = suite(KILL) as [ChaosScenario];

  it('the script: gate, fault, recovery polling, rollback, with markers (fake machines)', () => {
    const c = compileChaosScenario(scenario, { flakeRef: 'x' });
    expect(c.nodes.find((n) => n.name === 'peer')).toBeDefined();
    const r = runWithFakeMachines(c.python, { nodes: NODES, rules: [{ contains: 'curl', out: '200' }, { contains: 'cat /etc/hostname', out: 'laptop\n' }] });
    expect(r.log).not.toContain('!!!');
    expect(r.code).toBe(0);
    const executes = r.calls.filter((x) => x.method === 'execute').map((x) => `${x.node}: ${x.args[0]}`);
    expect(executes.slice(0, 4)).toEqual([
      "laptop: systemctl is-active --quiet sshd.service",
      "peer: timeout 5 bash -c 'exec 3<>/dev/tcp/192.168.1.1/22'",
      "peer: curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://192.168.1.1:80/ || true",
      `laptop: ${checkShellCommand('cat /etc/hostname', 60)}`,
    ]);
    expect(r.calls.find((x) => x.method === 'succeed')!.args).toEqual(["systemctl kill --signal=KILL sshd.service"]);
    expect(r.log).toMatch(/nixcheck-chaos hypothesis-before \{.*"held": true/);
    expect(r.log).toMatch(/nixcheck-chaos recovery \{.*"recovered": true, "seconds": 2\.0/);
    expect(r.log).toContain('nixcheck-step-end 4 ok');
    expect(c.steps.map((s) => s.title)).toEqual([
      '0. boot laptop, peer to multi-user.target',
      '1. steady state holds before the fault',
      '2. inject fault: laptop: kill sshd.service with SIGKILL',
      '3. steady state holds again within 30s',
      '4. rollback: laptop: systemctl restart sshd',
    ]);
  });

  it('a probe regex runs in linear time in the driver, and one RE2 cannot run is refused at load', () => {
    const text = (matches: string) => `
scenarios:
  - name: regex
    nodes: { laptop: { host: laptop } }
    steadyState:
      settle: 1
      probes:
        - command: { node: laptop, command: "echo", expect: { not: { matches: ${JSON.stringify(matches)} } } }
    fault: { crash: { node: laptop } }
    recoveryDeadline: 1
`;
    expect(() => suite(text('a(?=b)'))).toThrow(/x\.yaml:8:\d+: expect\.not\.matches is not a regular expression nixcheck can run: .*`\(\?=`/);
    const c = compileChaosScenario(suite(text('^(a+)+$'))[0]!, { flakeRef: 'x' });
    // 40 a's and a "!": a backtracking engine (Python's re) would take days.
    const r = runWithFakeMachines(c.python, { nodes: { laptop: NODES.laptop }, rules: [{ contains: 'echo', out: `${'a'.repeat(40)}!\n` }] });
    expect(r.log).toMatch(/nixcheck-chaos hypothesis-before \{.*"held": true/);
  });

  it('the generated Nix renders exactly this script (mock flake)', () => {
    const c = compileChaosScenario(scenario, { flakeRef: 'x' });
    const v = evalWithMockFlake(writeTemp('kill.nix', c.nix), ['laptop', 'bare'], NODES) as { testScript: string; nodes: { peer: { config: { contents: Record<string, unknown>[] } } } };
    expect(v.testScript).toBe(resolveNodesPlaceholder(c.python, sortedNodeInfo(NODES)));
    expect(v.nodes.peer.config.contents[0]!['environment']).toEqual({ systemPackages: ['pkg-curl'] });
  });

  it('scenarios from logs: recovered, not recovered, gate not held (via runChaosScenarios and the stand-in)', async () => {
    const c = compileChaosScenario(scenario, { flakeRef: 'x' });
    const logs: Record<string, string> = {};
    const recovered = runWithFakeMachines(c.python, { nodes: NODES, rules: [{ contains: 'curl', out: '200' }, { contains: 'cat /etc/hostname', out: 'laptop\n' }] });
    logs['recovered'] = writeTemp('recovered.log', recovered.log);
    const gate = runWithFakeMachines(c.python, { nodes: NODES, rules: [{ contains: 'is-active', rc: 3 }] });
    expect(gate.code).toBe(1);
    logs['gate'] = writeTemp('gate.log', gate.log);
    // the "never" run: make the recovery marker say not recovered by editing the recorded line
    logs['never'] = writeTemp('never.log', recovered.log.replace(/nixcheck-chaos recovery \{.*\}/, 'nixcheck-chaos recovery {"t": 1, "recovered": false, "seconds": 30.5, "probes": [{"index": 0, "ok": false, "detail": "exit code 3"}, {"index": 1, "ok": true, "detail": "exit code 0"}]}'));
    const scenarios: ChaosScenario[] = ['recovered', 'never', 'gate'].map((n) => ({ ...scenario, name: n }));
    const { cases, resilience } = await runChaosScenarios(scenarios, {
      flakeRef: 'x',
      outDir: tempDir('nixcheck-chaos-'),
      driverCommand: (t) => [process.execPath, `${REPO_ROOT}/test/fixtures/driver-logs/stand-in-driver.mjs`, '--log', logs[t.slug.split('-').at(-1)!]!, '--exit', t.slug.endsWith('gate') ? '1' : '0'],
    });
    expect(cases.map((x) => [x.name, x.verdict])).toEqual([['recovered', 'pass'], ['never', 'fail'], ['gate', 'error']]);
    expect(cases[0]!.properties).toMatchObject({ heldBefore: 'true', recovered: 'true', recoverySeconds: '2', weight: '2', resilienceScore: '50' });
    expect(cases[1]!.message).toBe('did not recover within 30s: laptop: unit sshd.service is active (exit code 3)');
    expect(cases[2]!.message).toContain('the steady state did not hold before the fault');
    expect(cases[2]!.properties).toMatchObject({ heldBefore: 'false', recovered: 'null' });
    expect(resilience).toEqual([{ host: 'laptop', score: 50, scenarios: 3, recovered: 1, excluded: 1 }]);
  });
});

const DISK_FULL = `
scenarios:
  - name: disk full
    nodes:
      laptop: { host: laptop }
    steadyState:
      probes:
        - unitActive: { node: laptop, unit: sshd.service }
    fault:
      diskFull: { node: laptop, path: /var/log, sizeMiB: 64 }
    recoveryDeadline: 30
`;
const DF_OUTPUT = 'Filesystem      Size  Used Avail Use% Mounted on\ntmpfs            64M   64M     0 100% /var/log\n';

describe('honest probes and faults', () => {
  it('a command probe whose tool is missing does not hold, even when the rest of its pipeline prints the expected text (real bash)', async () => {
    const [s] = suite(`
scenarios:
  - name: missing tool
    nodes: { laptop: { host: laptop } }
    steadyState:
      probes:
        - command: { node: laptop, command: "nixcheck-no-such-tool --status | wc -l", expect: { equals: "0" } }
    fault:
      crash: { node: laptop }
    recoveryDeadline: 30
`) as [ChaosScenario];
    const c = compileChaosScenario(s, { flakeRef: 'x' });
    const probe = runWithFakeMachines(c.python, { nodes: NODES, rules: [] }).calls.find((x) => x.method === 'execute')!.args[0] as string;
    expect(probe).toBe(checkShellCommand('nixcheck-no-such-tool --status | wc -l', 60));
    // What the VM would answer: the driver runs the command line under `set -euo pipefail`.
    const inVm = await execa('bash', ['-c', `set -euo pipefail; ${probe}`], { reject: false, stripFinalNewline: false });
    expect(inVm.exitCode).toBe(127);
    const r = runWithFakeMachines(c.python, { nodes: NODES, rules: [{ contains: 'nixcheck-no-such-tool', rc: inVm.exitCode!, out: String(inVm.stdout) }] });
    expect(r.log).toMatch(/nixcheck-chaos hypothesis-before \{.*"held": false.*"detail": "command not found: nixcheck-no-such-tool"/);
  });

  it('the disk-full fault keeps what df printed: in the step log and on the case', async () => {
    const [s] = suite(DISK_FULL) as [ChaosScenario];
    const c = compileChaosScenario(s, { flakeRef: 'x' });
    const r = runWithFakeMachines(c.python, { nodes: NODES, rules: [{ contains: 'fallocate', out: DF_OUTPUT }] });
    expect(r.code).toBe(0);
    expect(r.log).toMatch(/nixcheck-step-output 2 \{.*"stdout": "Filesystem .*100% \/var\/log\\n"/);
    const log = writeTemp('disk.log', r.log);
    const { cases } = await runChaosScenarios([s], { flakeRef: 'x', outDir: tempDir('nixcheck-chaos-'), driverCommand: [process.execPath, `${REPO_ROOT}/test/fixtures/driver-logs/stand-in-driver.mjs`, '--log', log] });
    expect(cases[0]).toMatchObject({ verdict: 'pass', properties: { faultOutput: DF_OUTPUT.trim() } });
  });
});

describe('resilienceScores', () => {
  const mk = (host: string, weight: number): ChaosScenario =>
    ({ nodes: [{ name: 'n', host }], fault: { kind: 'crash', node: 'n' }, weight }) as unknown as ChaosScenario;
  const out = (recovered: boolean | null): ScenarioOutcome => ({ verdict: 'pass', heldBefore: recovered !== null, recovered, recoverySeconds: null, message: '', rollbackFailed: false });

  it('score = sum(weight × recovered) / sum(weight) × 100 per host; scenarios without a verdict are excluded', () => {
    expect(
      resilienceScores([
        { scenario: mk('a', 3), outcome: out(true) },
        { scenario: mk('a', 1), outcome: out(false) },
        { scenario: mk('a', 2), outcome: out(null) },
        { scenario: mk('b', 1), outcome: out(false) },
        { scenario: mk('c', 1), outcome: out(null) },
      ]),
    ).toEqual([
      { host: 'a', score: 75, scenarios: 3, recovered: 1, excluded: 1 },
      { host: 'b', score: 0, scenarios: 1, recovered: 0, excluded: 0 },
      { host: 'c', score: null, scenarios: 1, recovered: 0, excluded: 1 },
    ]);
  });
});
