import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generateGpuSmokeTest,
  nixStringLiteral,
  SMOKE_TEST_MACHINE_METHODS,
  type GpuSmokeTestInput,
} from '../../../src/vm/gpu/smoke-test.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nixcheck-gpu-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let n = 0;
function writeNix(source: string): string {
  const file = path.join(dir, `smoke-${n++}.nix`);
  writeFileSync(file, source);
  return file;
}

/** Evaluate the generated file against a mock flake (no nixpkgs needed). */
function evalWithMock(file: string, hostName: string): Record<string, unknown> {
  const expr = `
    let
      hostName = builtins.fromJSON ${nixStringLiteral(JSON.stringify(hostName))};
      host = {
        pkgs.testers.runNixOSTest = args: args // {
          overrideTestDerivation = f: args // f { requiredSystemFeatures = [ "kvm" "nixos-test" ]; };
        };
        _module.args.modules = [ "host-module" ];
        _module.specialArgs = { modulesPath = "m"; inputs = "i"; };
      };
      t = import ${JSON.stringify(file)} { flake = { nixosConfigurations = builtins.listToAttrs [ { name = hostName; value = host; } ]; }; };
    in {
      inherit (t) name testScript requiredSystemFeatures node;
      machine = t.nodes.machine { pkgs = { pciutils = "pciutils"; }; };
    }`;
  const r = run('nix-instantiate', ['--eval', '--strict', '--json', '-E', expr]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const PY_CHECK = `
import ast, json, sys
tree = ast.parse(sys.stdin.read())
methods, calls = [], []
for node in ast.walk(tree):
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "machine":
        methods.append(node.attr)
    if isinstance(node, ast.Call):
        f = node.func
        calls.append(f.id if isinstance(f, ast.Name) else (f.value.id + "." + f.attr if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else "?"))
print(json.dumps({"methods": methods, "calls": sorted(set(calls))}))
`;

const base: GpuSmokeTestInput = {
  hostName: 'gpuhost',
  flakeRef: 'github:example/infra',
  pciAddress: '0000:01:00.0',
  vendorDeviceId: '10de:2204',
};

describe('generateGpuSmokeTest', () => {
  it('generates Nix that nix-instantiate --parse accepts', () => {
    const t = generateGpuSmokeTest(base);
    const r = run('nix-instantiate', ['--parse', writeNix(t.nix)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(t.nix).toContain('virtualisation.qemu.options = [ "-device vfio-pci,host=${params.pciAddress}" ];');
    expect(t.nix).toContain('requiredSystemFeatures = [ "kvm" "nixos-test" "vfio" ];');
    expect(t.requiredSystemFeatures).toEqual(['kvm', 'nixos-test', 'vfio']);
    expect(t.sandbox.nixosSnippet).toContain('nix.settings.extra-sandbox-paths = [ "/dev/vfio" ];');
    expect(t.sandbox.nixosSnippet).toContain('allowedPatterns.vfio = { onFeatures = [ "vfio" ]; paths = [ "/dev/vfio" ]; }');
  });

  it('generates Python that compiles and only calls allowed machine methods', () => {
    const t = generateGpuSmokeTest(base);
    const r = run('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], t.python);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const check = run('python3', ['-c', PY_CHECK], t.python);
    expect(check.code).toBe(0);
    const { methods, calls } = JSON.parse(check.stdout) as { methods: string[]; calls: string[] };
    expect(methods).not.toHaveLength(0);
    for (const m of methods) expect(SMOKE_TEST_MACHINE_METHODS).toContain(m);
    expect([...new Set(methods)].sort()).toEqual(['start', 'succeed', 'wait_for_unit']);
    expect(calls).toEqual(['json.loads', 'machine.start', 'machine.succeed', 'machine.wait_for_unit']);
    expect(t.python).toContain('machine.succeed("lspci -nn")');
    expect(t.python).toContain('machine.succeed("nvidia-smi -L")');
  });

  it('evaluates against a mock flake: node, QEMU option, features, and the same script', () => {
    const t = generateGpuSmokeTest({ ...base, pciAddress: '01:00.0', memoryMiB: 8192 });
    const v = evalWithMock(writeNix(t.nix), 'gpuhost');
    expect(v['name']).toBe('gpu-passthrough-gpuhost');
    expect(v['requiredSystemFeatures']).toEqual(['kvm', 'nixos-test', 'vfio']);
    expect(v['node']).toEqual({ pkgsReadOnly: false, specialArgs: { inputs: 'i' } });
    expect(v['machine']).toEqual({
      imports: ['host-module'],
      virtualisation: { memorySize: 8192, qemu: { options: ['-device vfio-pci,host=0000:01:00.0'] } },
      environment: { systemPackages: ['pciutils'] },
    });
    expect(v['testScript']).toBe(t.python);
  });

  it('user values cannot inject Nix or Python code (they go through builtins.fromJSON)', () => {
    const evil = 'h"${builtins.abort "pwned"}\\\'\'${x}\n"""';
    const t = generateGpuSmokeTest({ ...base, hostName: evil, flakeRef: '${builtins.abort "ref"}' });
    const file = writeNix(t.nix);
    expect(run('nix-instantiate', ['--parse', file]).code).toBe(0);
    const v = evalWithMock(file, evil);
    expect(v['testScript']).toBe(t.python);
    expect(run('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], t.python).code).toBe(0);
    const params = run('python3', ['-c', 'import json,sys,ast\nsrc=sys.stdin.read()\nns={}\nexec(src.split("\\n")[3].replace("params =","p ="), {"json": json}, ns)\nprint(json.dumps(ns["p"]))'], t.python);
    expect(JSON.parse(params.stdout)).toMatchObject({ hostName: evil, flakeRef: '${builtins.abort "ref"}' });
    // The only interpolations in the file are the generator's own.
    expect(t.nix.match(/(?<!\\)\$\{/g)?.length).toBe(4);
  });

  it('nvidia-smi is only checked for NVIDIA ids unless asked', () => {
    const amd = generateGpuSmokeTest({ ...base, vendorDeviceId: '1002:744C' });
    expect(amd.params.nvidia).toBe(false);
    expect(amd.params.vendorDeviceId).toBe('1002:744c');
    expect(generateGpuSmokeTest(base).params.nvidia).toBe(true);
    expect(generateGpuSmokeTest({ ...base, nvidia: false }).params.nvidia).toBe(false);
  });

  it('rejects addresses and ids that could smuggle QEMU sub-options', () => {
    expect(() => generateGpuSmokeTest({ ...base, pciAddress: '0000:01:00.0,romfile=/x' })).toThrow(/invalid PCI address/);
    expect(() => generateGpuSmokeTest({ ...base, vendorDeviceId: '10de:2204"' })).toThrow(/invalid vendor:device id/);
    expect(() => generateGpuSmokeTest({ ...base, hostName: '' })).toThrow(/host name/);
  });

  it('nixStringLiteral escapes backslash, quote and ${', () => {
    expect(nixStringLiteral('a\\b"c${d}$e\n')).toBe('"a\\\\b\\"c\\${d}$e\\n"');
    const r = run('nix-instantiate', ['--eval', '--json', '-E', nixStringLiteral('a\\b"c${d}$${e}\n')]);
    expect(JSON.parse(r.stdout)).toBe('a\\b"c${d}$${e}\n');
  });
});
