/**
 * A chaos scenario as a NixOS VM test: boot, check the steady-state hypothesis (gate),
 * inject the fault, poll the probes until they all hold or the recovery deadline passes,
 * run the rollback steps. Every phase prints a `nixcheck-chaos <event> {json}` marker
 * with timestamps; the verdict is computed from the markers, not from the exit code.
 */
import { DEFAULT_MEMORY_MIB, renderTestNix, sanitizeTestName, TEST_SYSTEM_FEATURES, type NodeParams, type TestParamsBase } from '../driver/nix.js';
import { pythonPrelude } from '../driver/python.js';
import { bootStatements, stepBlock, stepStatements } from '../driver/steps.js';
import type { CompiledStep, CompiledVmTest } from '../driver/types.js';
import { DEFAULT_TEST_TIMEOUT_S, nodeParams, slugFor, type CompileOptions } from '../integration/compile.js';
import { regexProgram, type RegexProgram } from '../../match/user-regex.js';
import { checkShellCommand, MISSING_COMMAND_MARKER } from '../../shell/check-command.js';
import { PYTHON_REGEX_SEARCH } from '../driver/python-regex.js';
import type { ChaosScenario, FaultSpec, ProbeExpect } from './types.js';

/** Seconds the OOM fault waits for the kernel to kill the memory hog. */
export const OOM_KILL_TIMEOUT_S = 300;
/** Seconds a command probe may run. */
const PROBE_COMMAND_TIMEOUT_S = 60;

const CHAOS_HELPERS = [
  '',
  '',
  'def _nc_expect_ok(expect, code, out):',
  '    if expect is None:',
  '        return code == 0',
  '    text = out[:-1] if out.endswith("\\n") else out',
  '    ok = code == expect.get("exitCode", 0)',
  '    if ok and "equals" in expect:',
  '        ok = text == expect["equals"]',
  '    if ok and "contains" in expect:',
  '        ok = expect["contains"] in text',
  '    if ok and "matches" in expect:',
  '        ok = _nc_regex_search(expect["matchesProgram"], text)',
  '    if ok and "not" in expect:',
  '        ok = not _nc_expect_ok(expect["not"], code, out)',
  '    return ok',
  '',
  '',
  'def _nc_probe(probe):',
  '    kind = probe["kind"]',
  '    target = probe.get("target")',
  '    if kind == "unitActive":',
  '        cmd = "systemctl is-active --quiet " + shlex.quote(probe["unit"])',
  '    elif kind == "portOpen":',
  '        host = "127.0.0.1" if target is None else NODES[target]["ip"]',
  '        cmd = "timeout 5 bash -c " + shlex.quote("exec 3<>/dev/tcp/" + host + "/" + str(int(probe["port"])))',
  '    elif kind == "httpStatus":',
  '        url = probe["url"] if target is None else probe["url"].replace("$TARGET", NODES[target]["ip"])',
  '        cmd = "curl -s -o /dev/null -w \'%{http_code}\' --max-time 5 " + shlex.quote(url) + " || true"',
  '    else:',
  '        cmd = _nc_target_env(target) + probe["shell"]',
  '    try:',
  '        code, out = MACHINES[probe["node"]].execute(cmd)',
  '    except Exception as e:',
  '        return False, "probe error: " + str(e)',
  '    if kind == "httpStatus":',
  '        return out.strip() == str(probe["status"]), "HTTP status " + out.strip()',
  '    if kind == "command":',
  '        missing = [line[len(PARAMS["missingMarker"]):] for line in out.split("\\n") if line.startswith(PARAMS["missingMarker"])]',
  '        if missing:',
  '            return False, "command not found: " + ", ".join(missing)',
  '        return _nc_expect_ok(probe.get("expect"), code, out), "exit code " + str(code) + ", stdout " + json.dumps(out[:200])',
  '    return code == 0, "exit code " + str(code)',
  '',
  '',
  'def _nc_probe_all():',
  '    results = []',
  '    for i, probe in enumerate(PARAMS["probes"]):',
  '        ok, detail = _nc_probe(probe)',
  '        results.append({"index": i, "ok": ok, "detail": detail})',
  '    return all(r["ok"] for r in results), results',
  '',
  '',
  'def _nc_poll(seconds):',
  '    start = time.monotonic()',
  '    while True:',
  '        held, results = _nc_probe_all()',
  '        elapsed = time.monotonic() - start',
  '        if held or elapsed >= seconds:',
  '            return held, round(elapsed, 3), results',
  '        time.sleep(1)',
  '',
  '',
  'def _nc_failed(results):',
  '    return "; ".join(PARAMS["probes"][r["index"]]["title"] + " (" + r["detail"] + ")" for r in results if not r["ok"])',
  '',
  '',
  '# Fills a directory (a sized tmpfs) until ENOSPC.',
  'FILL = (',
  '    "i=0; while [ $i -lt 1048576 ] && fallocate -l 1M \\"$NIXCHECK_FILL_DIR/.nixcheck-fill-$i\\" 2>/dev/null; do i=$((i+1)); done; "',
  '    "dd if=/dev/zero of=\\"$NIXCHECK_FILL_DIR/.nixcheck-fill-last\\" bs=4k 2>/dev/null || true; df -h \\"$NIXCHECK_FILL_DIR\\""',
  ')',
  '',
];

/** A probe expectation with the RE2 program of each `matches` (Python runs it in linear time). */
function withPrograms(expect: ProbeExpect): ProbeExpect & { matchesProgram?: RegexProgram } {
  return {
    ...expect,
    ...(expect.matches !== undefined ? { matchesProgram: regexProgram(expect.matches) } : {}),
    ...(expect.not ? { not: withPrograms(expect.not) } : {}),
  };
}

function faultStatements(fault: FaultSpec): string[] {
  const n = fault.node;
  const F = 'PARAMS["fault"]';
  switch (fault.kind) {
    case 'serviceKill':
      return [`${n}.succeed("systemctl kill " + shlex.quote("--signal=" + ${F}["signal"]) + " " + shlex.quote(${F}["unit"]))`];
    case 'crash':
      return [`${n}.crash()`, `${n}.start()`];
    case 'networkPartition':
      return [`${n}.block()`, ...(fault.duration !== undefined ? [`time.sleep(${F}["duration"])`, `${n}.unblock()`] : [])];
    case 'diskFull':
      return [
        `_nc_output(2, ${n}.succeed("export NIXCHECK_FILL_DIR=" + shlex.quote(${F}["path"]) + "; " + FILL))`,
        ...(fault.duration !== undefined
          ? [`time.sleep(${F}["duration"])`, `${n}.succeed("rm -f " + shlex.quote(${F}["path"]) + "/.nixcheck-fill-*")`]
          : []),
      ];
    case 'oom':
      return [
        '# The test instrumentation sets vm.panic_on_oom=2 (an OOM would panic the VM): turn it off,',
        '# as nixos/tests/systemd-oomd.nix does. The backdoor service has OOMScoreAdjust=-1000.',
        `${n}.succeed("echo 0 > /proc/sys/vm/panic_on_oom")`,
        `${n}.succeed("systemd-run --unit=nixcheck-memhog --property=OOMScoreAdjust=1000 \\"$(command -v tail)\\" /dev/zero")`,
        `${n}.wait_until_succeeds("! systemctl is-active --quiet nixcheck-memhog.service", timeout=${OOM_KILL_TIMEOUT_S})`,
      ];
    case 'clockJump':
      return [`${n}.succeed("date -s @$(( $(date +%s) + " + str(int(${F}["seconds"])) + " ))")`];
  }
}

function describeFault(fault: FaultSpec): string {
  switch (fault.kind) {
    case 'serviceKill':
      return `${fault.node}: kill ${fault.unit} with SIG${fault.signal}`;
    case 'crash':
      return `${fault.node}: crash (power off) and start again`;
    case 'networkPartition':
      return `${fault.node}: cut from the network${fault.duration !== undefined ? ` for ${fault.duration}s` : ''}`;
    case 'diskFull':
      return `${fault.node}: fill ${fault.path} (${fault.sizeMiB} MiB tmpfs)${fault.duration !== undefined ? ` for ${fault.duration}s` : ''}`;
    case 'oom':
      return `${fault.node}: exhaust memory until the OOM killer acts`;
    case 'clockJump':
      return `${fault.node}: jump the clock by ${fault.seconds}s`;
  }
}

export function compileChaosScenario(scenario: ChaosScenario, options: CompileOptions): CompiledVmTest {
  const name = sanitizeTestName(`nixcheck-chaos-${scenario.suite}-${scenario.name}`);
  const timeoutS = scenario.timeoutS ?? DEFAULT_TEST_TIMEOUT_S;
  const nodeNames = scenario.nodes.map((n) => n.name);
  const fault = scenario.fault;
  const { location: faultLocation, ...faultData } = fault;
  const steps: CompiledStep[] = [
    { index: 0, kind: 'boot', title: `0. boot ${nodeNames.join(', ')} to multi-user.target`, location: scenario.location },
    { index: 1, kind: 'hypothesis', title: '1. steady state holds before the fault', location: scenario.probes[0]!.location },
    { index: 2, kind: 'fault', title: `2. inject fault: ${describeFault(fault)}`, location: faultLocation, node: fault.node },
    { index: 3, kind: 'recovery', title: `3. steady state holds again within ${scenario.recoveryDeadlineS}s`, location: scenario.probes[0]!.location },
    ...scenario.rollback.map((s) => ({ index: s.index, kind: s.kind, title: `${s.index}. rollback: ${s.title.replace(/^\d+\. /, '')}`, location: s.location, ...('node' in s ? { node: s.node } : {}) })),
  ];
  const extra = (node: string): Partial<NodeParams> => ({
    packages: scenario.probes.some((p) => p.kind === 'httpStatus' && p.node === node) ? ['curl'] : [],
    tmpfs: fault.kind === 'diskFull' && fault.node === node ? [{ path: fault.path, sizeMiB: fault.sizeMiB }] : [],
    protectBackdoor: fault.kind === 'oom' && fault.node === node,
  });
  const params: TestParamsBase & Record<string, unknown> = {
    kind: 'chaos',
    name,
    scenario: scenario.name,
    flakeRef: options.flakeRef,
    globalTimeout: timeoutS,
    nodes: Object.fromEntries(scenario.nodes.map((n) => [n.name, nodeParams(n, extra(n.name))])),
    probes: scenario.probes.map(({ location: _l, ...p }) =>
      p.kind === 'command' ? { ...p, shell: checkShellCommand(p.command, PROBE_COMMAND_TIMEOUT_S), ...(p.expect ? { expect: withPrograms(p.expect) } : {}) } : p,
    ),
    missingMarker: MISSING_COMMAND_MARKER,
    settle: scenario.settleS,
    fault: faultData,
    recoveryDeadline: scenario.recoveryDeadlineS,
    steps: [
      ...steps.slice(0, 4).map((s) => ({ title: s.title })),
      ...scenario.rollback.map(({ location: _l, ...s }, i) => ({ ...s, title: steps[4 + i]!.title })),
    ],
  };
  const python = [
    pythonPrelude(`chaos scenario ${name}`, JSON.stringify(params)),
    ...PYTHON_REGEX_SEARCH,
    ...CHAOS_HELPERS,
    `MACHINES = {${nodeNames.map((n) => `${JSON.stringify(n)}: ${n}`).join(', ')}}`,
    '',
    ...stepBlock(0, bootStatements(nodeNames)),
    ...stepBlock(1, [
      'held, elapsed, results = _nc_poll(PARAMS["settle"])',
      '_nc_mark("chaos", "hypothesis-before", held=held, seconds=elapsed, probes=results)',
      'if not held:',
      '    raise Exception("steady-state hypothesis did not hold before the fault: " + _nc_failed(results))',
    ]),
    ...stepBlock(2, [
      '_nc_mark("chaos", "fault-begin", kind=PARAMS["fault"]["kind"])',
      ...faultStatements(fault),
      '_nc_mark("chaos", "fault-end", kind=PARAMS["fault"]["kind"])',
    ]),
    ...stepBlock(3, [
      'recovered, elapsed, results = _nc_poll(PARAMS["recoveryDeadline"])',
      '_nc_mark("chaos", "recovery", recovered=recovered, seconds=elapsed, probes=results)',
      '# The verdict comes from the marker: the rollback steps run either way.',
    ]),
    ...scenario.rollback.flatMap((s) => stepBlock(s.index, stepStatements(s, s.index))),
    '',
  ].join('\n');
  return {
    kind: 'chaos',
    name,
    slug: slugFor(`chaos-${scenario.suite}`, scenario.name),
    nix: renderTestNix(params, python, `chaos scenario "${name}"`),
    python,
    params,
    nodes: scenario.nodes.map((n) => ({ name: n.name, host: n.host, memoryMiB: n.memoryMiB ?? DEFAULT_MEMORY_MIB })),
    steps,
    timeoutS,
    requiredSystemFeatures: [...TEST_SYSTEM_FEATURES],
  };
}
