import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { nixStringLiteral } from '../../../src/vm/driver/nix.js';
import { tempDir } from '../../helpers/paths.js';

export const HERE = import.meta.dirname;
export const REPO_ROOT = join(HERE, '..', '..', '..');
export const LOGS = join(REPO_ROOT, 'test', 'fixtures', 'driver-logs');
export const STAND_IN = join(LOGS, 'stand-in-driver.mjs');
export const FAKE_MACHINES = join(HERE, 'fake_machines.py');

/** Run a program; a missing program throws (tests that need nix/python3 fail, never skip). */
export function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = tempDir('nixcheck-vm-gen-');
let n = 0;
export function writeTemp(name: string, text: string): string {
  const file = join(dir, `${n++}-${name}`);
  writeFileSync(file, text);
  return file;
}

export function expectNixParses(nix: string): void {
  const r = run('nix-instantiate', ['--parse', writeTemp('test.nix', nix)]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/**
 * Walk the script's AST: calls on machine objects (node names), other calls, imports that
 * are never used, f-strings without placeholders (pyflakes would reject both).
 */
const PY_API_CHECK = `
import ast, json, sys
src = open(sys.argv[1]).read()
nodes = set(json.loads(sys.argv[2]))
tree = ast.parse(src)
machine_calls, other_calls, names_used, imported, bad_fstrings = [], set(), set(), set(), 0
for node in ast.walk(tree):
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in nodes:
            machine_calls.append(f.attr)
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Subscript) and isinstance(f.value.value, ast.Name) and f.value.value.id == "MACHINES":
            machine_calls.append(f.attr)
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            other_calls.add(f.value.id + "." + f.attr)
        elif isinstance(f, ast.Name):
            other_calls.add(f.id)
        elif isinstance(f, ast.Attribute):
            other_calls.add("?." + f.attr)
    if isinstance(node, ast.Name):
        names_used.add(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        names_used.add(node.value.id)
    if isinstance(node, ast.Import):
        imported.update(a.asname or a.name for a in node.names)
    if isinstance(node, ast.ImportFrom):
        imported.update(a.asname or a.name for a in node.names)
    if isinstance(node, ast.JoinedStr) and not any(isinstance(v, ast.FormattedValue) for v in node.values):
        bad_fstrings += 1
print(json.dumps({"machineCalls": sorted(set(machine_calls)), "otherCalls": sorted(other_calls), "unusedImports": sorted(imported - names_used), "badFstrings": bad_fstrings}))
`;

export interface PyApiReport {
  machineCalls: string[];
  otherCalls: string[];
  unusedImports: string[];
  badFstrings: number;
}

export function pythonApi(python: string, nodes: string[]): PyApiReport {
  const file = writeTemp('script.py', python);
  const compiled = run('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', file]);
  expect(compiled.stderr).toBe('');
  expect(compiled.code).toBe(0);
  const r = run('python3', ['-c', PY_API_CHECK, file, JSON.stringify(nodes)]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as PyApiReport;
}

/** Calls a generated script may make besides machine methods. */
export const ALLOWED_OTHER_CALLS = new Set([
  'subtest', '_nc_step', '_nc_mark', '_nc_output', '_nc_command', '_nc_target_env', '_nc_expect_ok', '_nc_probe',
  '_nc_probe_all', '_nc_poll', '_nc_failed', 'json.loads', 'json.dumps', 'shlex.quote', 'time.time', 'time.sleep',
  'time.monotonic', 'print', 'str', 'int', 'len', 'round', 'all', 'enumerate', 'isinstance', 'Exception',
  'record.update', 'words.append', 'results.append', 'step.get', 'probe.get', 'expect.get', '?.join', '?.replace',
  '?.strip', '?.endswith', 'out.endswith', 'out.strip', 'out.split', 'line.startswith', 'Exception',
  // the linear-time regex matcher (src/vm/driver/python-regex.ts)
  '_nc_regex_search', '_nc_empty_flags', '_nc_is_word', 'close', 'accepts', 'any', 'ord', 'range', 'set', 'seen.add',
  'stack.append', 'stack.pop', 'pcs.append',
]);

export interface FakeRun {
  code: number | null;
  calls: { node: string; method: string; args: unknown[]; kwargs: Record<string, unknown> }[];
  log: string;
}

/** Execute a generated script against recording fake machines (test/vm/driver/fake_machines.py). */
export function runWithFakeMachines(python: string, config: { nodes: Record<string, { ip: string; hostName: string }>; rules?: { contains: string; rc?: number; out?: string }[]; raise_on?: string }): FakeRun {
  const r = run('python3', [FAKE_MACHINES, writeTemp('script.py', python), JSON.stringify(config)]);
  const calls = r.stdout.trim() ? (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as FakeRun['calls']) : [];
  return { code: r.code, calls, log: r.stderr };
}

/** A mock flake + nixpkgs lib for evaluating a generated test file without nixpkgs. */
export function evalWithMockFlake(nixFile: string, hosts: string[], nodeInfo: Record<string, { ip: string; hostName: string }>): Record<string, unknown> {
  const expr = `
    let
      lib = rec {
        mkMerge = xs: { _type = "merge"; contents = xs; };
        mkIf = c: x: if c then { _type = "if"; content = x; } else { _type = "if-false"; };
        mkOverride = p: v: { _type = "override"; priority = p; content = v; };
        mkForce = mkOverride 50;
        setAttrByPath = path: v: if path == [ ] then v else { \${builtins.head path} = setAttrByPath (builtins.tail path) v; };
        getAttrFromPath = path: set: builtins.foldl' (s: k: s.\${k}) set path;
        splitString = sep: s: builtins.filter builtins.isString (builtins.split "[.]" s);
      };
      pkgs = {
        inherit lib;
        curl = "pkg-curl";
        netcat = "pkg-netcat";
        python3Packages.requests = "pkg-requests";
        testers.runNixOSTest = args: args;
      };
      hosts = builtins.fromJSON ${nixStringLiteral(JSON.stringify(hosts))};
      mkHost = name: {
        _module.args.modules = [ ("modules-of-" + name) ];
        _module.specialArgs = { modulesPath = "m"; inputs = "inputs"; };
      };
      flake = {
        nixosConfigurations = builtins.listToAttrs (map (h: { name = h; value = mkHost h; }) hosts);
        inputs.nixpkgs.legacyPackages.x86_64-linux = pkgs;
      };
      t = import ${JSON.stringify(nixFile)} { inherit flake; system = "x86_64-linux"; };
      nodeInfo = builtins.fromJSON ${nixStringLiteral(JSON.stringify(nodeInfo))};
      fakeNodes = builtins.mapAttrs (n: i: { networking.primaryIPAddress = i.ip; networking.hostName = i.hostName; }) nodeInfo;
    in {
      inherit (t) name globalTimeout node;
      nodes = builtins.mapAttrs (n: m: m { inherit pkgs lib; }) t.nodes;
      testScript = t.testScript { nodes = fakeNodes; };
    }`;
  const r = run('nix-instantiate', ['--eval', '--strict', '--json', '-E', expr]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Node info as Nix's builtins.toJSON writes it: names sorted, hostName before ip. */
export function sortedNodeInfo(nodes: Record<string, { ip: string; hostName: string }>): Record<string, { hostName: string; ip: string }> {
  return Object.fromEntries(Object.keys(nodes).sort().map((k) => [k, { hostName: nodes[k]!.hostName, ip: nodes[k]!.ip }]));
}
