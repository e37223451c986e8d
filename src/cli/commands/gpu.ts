import { join, resolve } from 'node:path';
import { DEFAULT_TIMEOUT_S, loadConfig } from '../../config/config.js';
import { defaultCacheDir } from '../../nix/eval-cache.js';
import { Evaluator } from '../../nix/evaluator.js';
import { resolveFlake } from '../../nix/flake-ref.js';
import { resolveTarget } from '../../target/resolve-target.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { EXIT, InfrastructureError, InputError } from '../../util/errors.js';
import { checkPassthroughConfig, formatGpuPreflight, generateGpuSmokeTest, runGpuPreflight } from '../../vm/gpu/index.js';
import { listFlag, type Command } from '../command.js';

/** The evaluated options the static passthrough checks read. */
const PASSTHROUGH_PATHS = [
  ['boot', 'kernelParams'],
  ['boot', 'initrd', 'kernelModules'],
  ['boot', 'kernelModules'],
  ['boot', 'blacklistedKernelModules'],
  ['boot', 'extraModprobeConfig'],
  ['services', 'xserver', 'videoDrivers'],
  ['hardware', 'nvidia', 'modesetting', 'enable'],
  ['hardware', 'nvidia', 'open'],
  ['hardware', 'nvidia', 'datacenter', 'enable'],
];

export const gpuCommand: Command = {
  name: 'gpu',
  summary: 'GPU passthrough: `gpu preflight` (this machine), `gpu check` (a host\'s config), `gpu smoke-test` (a VM test)',
  usage:
    'nixcheck gpu preflight [--json] [--sysfs-root DIR] | gpu check --host NAME [--device-id ID]... | gpu smoke-test --host NAME --pci ADDR --device-id ID [--out DIR]',
  flags: [
    { name: 'json', type: 'boolean', description: 'Print the report as JSON.' },
    { name: 'sysfs-root', type: 'string', value: 'DIR', description: 'preflight: read a captured tree (sys/, proc/, dev/) instead of the live machine.' },
    { name: 'guest-memory', type: 'string', value: 'MIB', description: 'preflight: guest RAM, for the locked-memory check. Default: 1024.' },
    { name: 'flake', type: 'string', value: 'REF', description: 'check, smoke-test: the flake. Default: `flake` in nixcheck.yaml.' },
    { name: 'host', type: 'string', value: 'NAME', description: 'check, smoke-test: the host (nixosConfigurations.NAME).' },
    { name: 'device-id', type: 'string', multiple: true, value: 'VENDOR:DEVICE', description: 'check, smoke-test: the passed-through device, e.g. 10de:2330.' },
    { name: 'platform', type: 'string', value: 'intel|amd', description: 'check: which IOMMU parameter to expect. Default: either.' },
    { name: 'pci', type: 'string', value: 'ADDR', description: 'smoke-test: the GPU\'s PCI address on the host, 0000:BB:DD.F.' },
    { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'smoke-test: where to write gpu-smoke-<host>.nix. Default: reports/vm/.' },
    { name: 'config', short: 'c', type: 'string', value: 'FILE', description: 'Configuration file. Default: ./nixcheck.yaml when present.' },
  ],
  async run(values, positionals) {
    const action = positionals[0];
    if (action === 'preflight') {
      const memory = values['guest-memory'] === undefined ? undefined : Number(values['guest-memory']);
      if (memory !== undefined && !(memory > 0)) throw new InputError('--guest-memory expects a positive number of MiB');
      const report = await runGpuPreflight({
        ...(values['sysfs-root'] ? { sysfsRoot: resolve(values['sysfs-root'] as string) } : {}),
        ...(memory ? { guestMemoryMiB: memory } : {}),
      });
      process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatGpuPreflight(report));
      return report.verdict === 'ready' ? EXIT.ok : EXIT.failures;
    }
    if (action !== 'check' && action !== 'smoke-test') throw new InputError(`usage: ${gpuCommand.usage}`);
    const config = await loadConfig(values.config as string | undefined);
    const flakeInput = (values.flake as string | undefined) ?? config.flake;
    const host = values.host as string | undefined;
    if (!flakeInput || !host) throw new InputError(`gpu ${action} needs --host and a flake (--flake or nixcheck.yaml)`);
    const flake = resolveFlake(flakeInput, process.cwd());
    const deviceIds = listFlag(values['device-id']) ?? [];

    if (action === 'smoke-test') {
      if (!values.pci || deviceIds.length !== 1) throw new InputError('gpu smoke-test needs --pci ADDR and one --device-id VENDOR:DEVICE');
      let test;
      try {
        test = generateGpuSmokeTest({ hostName: host, flakeRef: flake.ref, pciAddress: values.pci as string, vendorDeviceId: deviceIds[0]! });
      } catch (err) {
        throw new InputError((err as Error).message);
      }
      const outDir = values.out ? resolve(values.out as string) : join(config.out, 'vm');
      const file = join(outDir, `gpu-smoke-${host}.nix`);
      await writeFileAtomic(file, test.nix);
      process.stdout.write(`${file}\nrequired system features: ${test.requiredSystemFeatures.join(' ')}\n${test.sandbox.notes.join('\n')}\n`);
      return EXIT.ok;
    }

    const platform = values.platform as string | undefined;
    if (platform !== undefined && platform !== 'intel' && platform !== 'amd') throw new InputError('--platform expects intel or amd');
    const evaluator = new Evaluator({ timeoutMs: (config.timeout ?? DEFAULT_TIMEOUT_S) * 1000, cacheDir: config.cacheDir ?? defaultCacheDir() });
    const target = resolveTarget({ host }, { flake, hostsAttr: config.hostsAttr ?? 'nixosConfigurations' });
    const { outcomes } = await evaluator.evaluate(
      target.evalTarget,
      PASSTHROUGH_PATHS.map((path) => ({ variant: { config: null, priority: 100 }, root: 'config' as const, path, evidence: false })),
    );
    const evaluated: Record<string, unknown> = {};
    const unreadable: string[] = [];
    outcomes.forEach((o, i) => {
      const key = PASSTHROUGH_PATHS[i]!.join('.');
      if (o.status === 'error' && o.reason === 'target') throw new InfrastructureError(`cannot evaluate ${host}:\n${o.error}`);
      if (o.status === 'error') unreadable.push(`${key}: ${o.error.split('\n')[0]}`);
      else if (o.exists) evaluated[key] = o.value;
    });
    // A value that failed to evaluate is not "unset": findings about it would be false.
    if (unreadable.length) throw new InfrastructureError(`cannot evaluate ${host}'s passthrough options:\n${unreadable.join('\n')}`);
    const findings = checkPassthroughConfig(evaluated, { deviceIds, ...(platform ? { platform } : {}) });
    if (values.json) process.stdout.write(JSON.stringify({ host, findings }, null, 2) + '\n');
    else {
      for (const f of findings) process.stdout.write(`${f.severity.toUpperCase()} ${f.id}: ${f.message}\n  fix: ${f.fix}\n`);
      process.stdout.write(`${host}: ${findings.filter((f) => f.severity === 'error').length} passthrough configuration error(s)\n`);
    }
    return findings.some((f) => f.severity === 'error') ? EXIT.failures : EXIT.ok;
  },
};
