/**
 * Shared pieces of the Python test scripts nixcheck generates for the NixOS test driver.
 *
 * SAFETY: user data (commands, unit names, paths, regexes, titles) never appears in the
 * Python text. It travels in ONE JSON document, written into the script as a Python string
 * literal (pyStringLiteral) and decoded with json.loads. The only generated identifiers are
 * node names, which are validated against NODE_NAME_RE (the driver itself requires node
 * names to be Python identifiers) and checked against RESERVED_NAMES.
 */

/**
 * The machine methods generated scripts may call, with the nixpkgs file that defines them
 * (nixos/lib/test-driver/src/test_driver/machine/__init__.py in current nixpkgs; older
 * releases: nixos/lib/test-driver/test_driver/machine.py). docs/vm.md has the same table.
 */
export const MACHINE_METHOD_SOURCES = {
  start: 'machine/__init__.py: QemuMachine.start(allow_reboot=False)',
  shutdown: 'machine/__init__.py: QemuMachine.shutdown()',
  crash: 'machine/__init__.py: QemuMachine.crash()',
  block: 'machine/__init__.py: QemuMachine.block()',
  unblock: 'machine/__init__.py: QemuMachine.unblock()',
  wait_for_unit: 'machine/__init__.py: BaseMachine.wait_for_unit(unit, user=None, timeout=900)',
  wait_for_open_port: 'machine/__init__.py: BaseMachine.wait_for_open_port(port, addr="localhost", timeout=900)',
  wait_for_file: 'machine/__init__.py: BaseMachine.wait_for_file(filename, timeout=900)',
  succeed: 'machine/__init__.py: BaseMachine.succeed(*commands, timeout=None)',
  fail: 'machine/__init__.py: BaseMachine.fail(*commands, timeout=None)',
  execute: 'machine/__init__.py: BaseMachine.execute(command, check_return=True, check_output=True, timeout=900)',
  wait_until_succeeds: 'machine/__init__.py: BaseMachine.wait_until_succeeds(command, timeout=900)',
} as const;

export type MachineMethod = keyof typeof MACHINE_METHOD_SOURCES;
export const ALLOWED_MACHINE_METHODS = Object.keys(MACHINE_METHOD_SOURCES) as MachineMethod[];

/** Driver globals the scripts use besides machines (driver.py: Driver.test_symbols). */
export const DRIVER_GLOBALS_USED = ['subtest'] as const;

/** Python identifiers (the driver's own rule is ^[A-z_]([A-z0-9_]+)?$ on system.name). */
export const NODE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Names a node must not take: Python keywords, driver globals, names the script uses. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  // Python keywords and constants
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'print', 'str', 'int', 'len', 'round',
  'Exception', 'open', 'list', 'dict', 'range', 'type', 'object', 'id', 'min', 'max', 'sum', 'any', 'all',
  // driver globals (driver.py test_symbols, test-script-prepend.py)
  'start_all', 'test_script', 'machines', 'machines_qemu', 'machines_nspawn', 'vlans', 'driver', 'log', 'os',
  'create_machine', 'subtest', 'run_tests', 'join_all', 'retry', 'serial_stdout_off', 'serial_stdout_on',
  'polling_condition', 'Machine', 'BaseMachine', 't', 'debug',
  // modules and globals of the generated script
  'json', 'shlex', 'sys', 'time', 're', 'contextmanager', 'PARAMS', 'NODES', 'S', 'OUTPUT_LIMIT', 'isinstance',
  'float', 'bool', 'e', 'MACHINES', 'FILL', 'held', 'elapsed', 'results', 'recovered', 'enumerate', 'check', 'record', 'code', 'out',
]);

export function checkNodeName(name: string): string | null {
  if (!NODE_NAME_RE.test(name)) {
    return `node name "${name}" must be a Python identifier (letters, digits, underscore; not starting with a digit): the test driver exposes each node as a Python variable`;
  }
  if (RESERVED_NAMES.has(name) || name.startsWith('_nc') || /^vlan\d+$/.test(name)) {
    return `node name "${name}" is reserved (a Python keyword or a name the test driver or nixcheck's script uses)`;
  }
  return null;
}

/**
 * Any string as a Python string literal: JSON string syntax is valid Python string syntax
 * (\" \\ \n \uXXXX ...). `@` is written as \u0040 so that no placeholder the Nix side
 * substitutes (they all start with @) can appear inside user data.
 */
export function pyStringLiteral(s: string): string {
  return JSON.stringify(s).replace(/@/g, '\\u0040');
}

/**
 * Placeholder (quotes included, so the script parses as it is) that the Nix file replaces
 * with the string literal of the node addresses' JSON.
 */
export const NODES_PLACEHOLDER = '"@NIXCHECK_NODES@"';

/** Maximum characters of command output a marker carries. */
export const OUTPUT_LIMIT = 65536;

/**
 * The constant head of every generated script: imports, the data, marker helpers.
 * `params` is the JSON document; NODES is filled in by Nix (ip/hostName per node).
 */
export function pythonPrelude(title: string, paramsJSON: string): string {
  return [
    `# ${title.replace(/[^A-Za-z0-9 ._:-]/g, '_')}: generated by nixcheck. Do not edit by hand.`,
    '# All user data is in PARAMS (json.loads of one string literal); NODES (address and',
    '# host name of every node) is filled in by Nix from the evaluated node configurations.',
    '# Markers printed to stderr (nixcheck-step-begin/-end/-output, nixcheck-chaos,',
    '# nixcheck-runtime) let nixcheck map the log back to the suite.',
    'import json',
    'import shlex',
    'import sys',
    'import time',
    'from contextlib import contextmanager',
    '',
    `PARAMS = json.loads(${pyStringLiteral(paramsJSON)})`,
    `NODES = json.loads(${NODES_PLACEHOLDER})`,
    'S = PARAMS["steps"]',
    `OUTPUT_LIMIT = ${OUTPUT_LIMIT}`,
    '',
    '',
    'def _nc_mark(marker, index, status=None, /, **extra):',
    '    record = {"t": round(time.time(), 3)}',
    '    record.update(extra)',
    '    words = ["nixcheck-" + marker, str(index)]',
    '    if status is not None:',
    '        words.append(status)',
    '    words.append(json.dumps(record))',
    '    print(" ".join(words), file=sys.stderr, flush=True)',
    '',
    '',
    '@contextmanager',
    'def _nc_step(index):',
    '    _nc_mark("step-begin", index)',
    '    try:',
    '        yield',
    '    except Exception as e:',
    '        _nc_mark("step-end", index, "failed", error=str(e)[:OUTPUT_LIMIT])',
    '        raise',
    '    _nc_mark("step-end", index, "ok")',
    '',
    '',
    'def _nc_output(index, out, exit_code=0):',
    '    text = out if isinstance(out, str) else ""',
    '    _nc_mark("step-output", index, stdout=text[:OUTPUT_LIMIT], truncated=len(text) > OUTPUT_LIMIT, exitCode=exit_code)',
    '',
    '',
    'def _nc_target_env(target):',
    '    if target is None:',
    '        return ""',
    '    info = NODES[target]',
    '    return "export TARGET=" + shlex.quote(info["ip"]) + " TARGET_HOST=" + shlex.quote(info["hostName"]) + "; "',
    '',
    '',
    'def _nc_command(step):',
    '    return _nc_target_env(step.get("target")) + step["command"]',
    '',
  ].join('\n');
}
