/**
 * Generation of a NixOS VM smoke test for GPU passthrough.
 *
 * The result is the Nix source of a `runNixOSTest` expression: the test node
 * imports the modules of a host from a flake, gets the GPU with
 * `virtualisation.qemu.options = [ "-device vfio-pci,host=0000:BB:DD.F" ]`, and a
 * Python test script (NixOS test driver, machine API `start`, `wait_for_unit`,
 * `succeed` only) checks that `lspci -nn` shows the vendor:device id and, when
 * NVIDIA is configured, that `nvidia-smi -L` succeeds.
 *
 * SAFETY: values that come from users (host name, flake reference, PCI address,
 * ids, test name) are never spliced into the Nix source as code. They are put
 * into ONE JSON document, which is written into the Nix file as a double-quoted
 * Nix string literal (see nixStringLiteral: `\`, `"` and `${` are escaped) and
 * read back with `builtins.fromJSON`. The Python script receives the very same
 * JSON through `json.loads` of a string literal that Nix itself produces with
 * `builtins.toJSON`. In addition the PCI address and the ids are validated
 * strictly, because they also end up inside a QEMU option string, where a `,`
 * would add QEMU sub-options.
 */

/** The NixOS test driver machine methods the generated script may call. */
export const SMOKE_TEST_MACHINE_METHODS = ['start', 'wait_for_unit', 'succeed'] as const;

export const SMOKE_TEST_SYSTEM_FEATURES = ['kvm', 'nixos-test', 'vfio'] as const;

export interface GpuSmokeTestInput {
  /** Attribute name under `nixosConfigurations` of the flake. */
  hostName: string;
  /** Flake reference, e.g. `.`, `path:/src/infra`, `github:org/infra`. */
  flakeRef: string;
  /** PCI address of the GPU on the host, `0000:BB:DD.F` (or `BB:DD.F`). */
  pciAddress: string;
  /** `vendor:device`, e.g. `10de:2330`. */
  vendorDeviceId: string;
  /** Check `nvidia-smi -L` in the guest. Default: true for vendor 10de. */
  nvidia?: boolean;
  /** Test name (derivation name part); default `gpu-passthrough-<host>`, sanitised. */
  testName?: string;
  /** Guest RAM in MiB (all of it is pinned for VFIO); default 4096. */
  memoryMiB?: number;
}

export interface GpuSmokeTestParams {
  hostName: string;
  flakeRef: string;
  pciAddress: string;
  vendorDeviceId: string;
  nvidia: boolean;
  testName: string;
  memoryMiB: number;
}

export interface GpuSmokeTest {
  /** The complete Nix file: `{ flake ? builtins.getFlake <ref> }: <runNixOSTest ...>`. */
  nix: string;
  /** The Python test script exactly as Nix will render it. */
  python: string;
  params: GpuSmokeTestParams;
  requiredSystemFeatures: string[];
  sandbox: {
    /** NixOS configuration for the builder that runs the test. */
    nixosSnippet: string;
    /** The same in nix.conf syntax. */
    nixConf: string;
    notes: string[];
  };
}

/**
 * Write any string as a double-quoted Nix string literal. Escapes `\`, `"` and
 * `${` (and, for readability, newline / CR / tab), so the literal always
 * evaluates to exactly `s` and can never start an interpolation.
 */
export function nixStringLiteral(s: string): string {
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\$\{/g, '\\${')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `"${body}"`;
}

/** Escape text for a Nix indented string (`'' ... ''`): `''` and `${` are special there. */
function nixIndentedEscape(s: string): string {
  return s.replace(/''/g, "'''").replace(/\$\{/g, "''${");
}

const PCI_FULL = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const PCI_SHORT = /^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const ID = /^[0-9a-f]{4}:[0-9a-f]{4}$/;

export function normalizeSmokeTestInput(input: GpuSmokeTestInput): GpuSmokeTestParams {
  const addr = input.pciAddress.trim().toLowerCase();
  const pciAddress = PCI_FULL.test(addr) ? addr : PCI_SHORT.test(addr) ? `0000:${addr}` : null;
  if (pciAddress === null) {
    throw new Error(`invalid PCI address ${JSON.stringify(input.pciAddress)}: expected 0000:BB:DD.F`);
  }
  const vendorDeviceId = input.vendorDeviceId.trim().toLowerCase();
  if (!ID.test(vendorDeviceId)) {
    throw new Error(`invalid vendor:device id ${JSON.stringify(input.vendorDeviceId)}: expected e.g. 10de:2330`);
  }
  if (input.hostName.length === 0) throw new Error('host name must not be empty');
  if (input.flakeRef.length === 0) throw new Error('flake reference must not be empty');
  const memoryMiB = input.memoryMiB ?? 4096;
  if (!Number.isInteger(memoryMiB) || memoryMiB < 256) throw new Error(`invalid memoryMiB ${memoryMiB}`);
  const rawName = input.testName ?? `gpu-passthrough-${input.hostName}`;
  const testName = rawName.replace(/[^A-Za-z0-9+._?=-]/g, '-').replace(/^[.-]+/, '').slice(0, 100) || 'gpu-passthrough';
  return {
    hostName: input.hostName,
    flakeRef: input.flakeRef,
    pciAddress,
    vendorDeviceId,
    nvidia: input.nvidia ?? vendorDeviceId.startsWith('10de:'),
    testName,
    memoryMiB,
  };
}

const PARAMS_PLACEHOLDER = '@NIXCHECK_PARAMS_LITERAL@';

/** The Python test script with a placeholder where the params JSON literal goes. */
const PYTHON_TEMPLATE = [
  '# GPU passthrough smoke test, generated by nixcheck.',
  'import json',
  '',
  `params = json.loads(${PARAMS_PLACEHOLDER})`,
  'expected_id = params["vendorDeviceId"]',
  '',
  'machine.start()',
  'machine.wait_for_unit("multi-user.target")',
  'lspci = machine.succeed("lspci -nn")',
  'assert f"[{expected_id}]" in lspci, f"{expected_id} not in lspci -nn output:\\n{lspci}"',
  'if params["nvidia"]:',
  '    machine.succeed("nvidia-smi -L")',
  '',
].join('\n');

export function generateGpuSmokeTest(input: GpuSmokeTestInput): GpuSmokeTest {
  const params = normalizeSmokeTestInput(input);
  const paramsJSON = JSON.stringify(params);

  const pythonBody = nixIndentedEscape(PYTHON_TEMPLATE)
    .split('\n')
    .map((l) => (l.length > 0 ? `    ${l}` : l))
    .join('\n')
    .replace(PARAMS_PLACEHOLDER, '${builtins.toJSON paramsJSON}');

  const nix = `# GPU passthrough smoke test, generated by nixcheck. Do not edit by hand.
#
# Build (the flake is fetched with builtins.getFlake, hence --impure):
#   nix build --impure -L -f ./this-file.nix
# or from a flake's checks:  import ./this-file.nix { flake = self; }
#
# Safety: every user-supplied value (host name, flake reference, PCI address,
# vendor:device id, test name) reaches Nix only through builtins.fromJSON of the
# JSON string literal paramsJSON below, in which \\, " and \${ are escaped; none
# is spliced into this file as Nix code. The test script reads the same JSON
# with json.loads of a literal produced by builtins.toJSON.
#
# Builder requirements: system-features must include kvm, nixos-test and vfio,
# and /dev/vfio must be visible in the sandbox (Nix only mounts /dev/kvm):
# nix.settings.extra-sandbox-paths = [ "/dev/vfio" ], or
# programs.nix-required-mounts.allowedPatterns.vfio = { onFeatures = [ "vfio" ]; paths = [ "/dev/vfio" ]; }.
let
  paramsJSON = ${nixStringLiteral(paramsJSON)};
  params = builtins.fromJSON paramsJSON;
  testScript = ''
${pythonBody}  '';
in
{ flake ? builtins.getFlake params.flakeRef }:
let
  host = flake.nixosConfigurations.\${params.hostName};
in
(host.pkgs.testers.runNixOSTest {
  name = params.testName;
  # The host's modules may set nixpkgs.* options and expect its specialArgs.
  node.pkgsReadOnly = false;
  node.specialArgs = builtins.removeAttrs (host._module.specialArgs or { }) [ "modulesPath" ];
  nodes.machine = { pkgs, ... }: {
    imports = host._module.args.modules;
    virtualisation.memorySize = params.memoryMiB;
    virtualisation.qemu.options = [ "-device vfio-pci,host=\${params.pciAddress}" ];
    environment.systemPackages = [ pkgs.pciutils ];
  };
  inherit testScript;
}).overrideTestDerivation (old: {
  requiredSystemFeatures = [ ${SMOKE_TEST_SYSTEM_FEATURES.map((f) => JSON.stringify(f)).join(' ')} ];
})
`;

  const python = PYTHON_TEMPLATE.replace(PARAMS_PLACEHOLDER, JSON.stringify(paramsJSON));

  return {
    nix,
    python,
    params,
    requiredSystemFeatures: [...SMOKE_TEST_SYSTEM_FEATURES],
    sandbox: {
      nixosSnippet: [
        'nix.settings.system-features = [ "kvm" "nixos-test" "vfio" "benchmark" "big-parallel" ];',
        '# either:',
        'nix.settings.extra-sandbox-paths = [ "/dev/vfio" ];',
        '# or, only for derivations that require the vfio feature:',
        'programs.nix-required-mounts = { enable = true; allowedPatterns.vfio = { onFeatures = [ "vfio" ]; paths = [ "/dev/vfio" ]; }; };',
        '# QEMU pins all guest RAM for VFIO DMA:',
        'systemd.services.nix-daemon.serviceConfig.LimitMEMLOCK = "infinity";',
      ].join('\n'),
      nixConf: ['system-features = kvm nixos-test vfio benchmark big-parallel', 'extra-sandbox-paths = /dev/vfio'].join('\n'),
      notes: [
        'Nix mounts /dev/kvm into the build sandbox, not /dev/vfio: without extra-sandbox-paths or programs.nix-required-mounts QEMU cannot open the VFIO group.',
        `The host GPU ${params.pciAddress} must be bound to vfio-pci and its whole IOMMU group must be viable (run \`nixcheck gpu preflight\`).`,
        '/dev/vfio/<group> must be readable and writable by the nix build users (e.g. a udev rule giving SUBSYSTEM=="vfio" to group kvm, mode 0660).',
        `The imported configuration of ${params.hostName} runs as the GUEST: if it binds the GPU to vfio-pci itself (vfio-pci.ids, nouveau/nvidia blacklisted), the guest driver cannot use it.`,
        'Or run the test driver outside the sandbox: nix build .driver, then result/bin/nixos-test-driver.',
      ],
    },
  };
}
