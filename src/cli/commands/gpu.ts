import { resolve } from 'node:path';
import { formatGpuPreflight, runGpuPreflight } from '../../vm/gpu/index.js';
import { EXIT, InputError } from '../../util/errors.js';
import type { Command } from '../command.js';

export const gpuCommand: Command = {
  name: 'gpu',
  summary: 'GPU passthrough: `gpu preflight` checks this machine (IOMMU, vfio-pci, KVM)',
  usage: 'nixcheck gpu preflight [--json] [--sysfs-root DIR] [--guest-memory MIB]',
  flags: [
    { name: 'json', type: 'boolean', description: 'Print the report as JSON.' },
    { name: 'sysfs-root', type: 'string', value: 'DIR', description: 'Read a captured tree (sys/, proc/, dev/) instead of the live machine.' },
    { name: 'guest-memory', type: 'string', value: 'MIB', description: 'Guest RAM, for the locked-memory check. Default: 1024.' },
  ],
  async run(values, positionals) {
    if (positionals[0] !== 'preflight' || positionals.length !== 1) {
      throw new InputError(`usage: ${gpuCommand.usage}`);
    }
    const memory = values['guest-memory'] === undefined ? undefined : Number(values['guest-memory']);
    if (memory !== undefined && !(memory > 0)) throw new InputError('--guest-memory expects a positive number of MiB');
    const report = await runGpuPreflight({
      ...(values['sysfs-root'] ? { sysfsRoot: resolve(values['sysfs-root'] as string) } : {}),
      ...(memory ? { guestMemoryMiB: memory } : {}),
    });
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatGpuPreflight(report));
    return report.verdict === 'ready' ? EXIT.ok : EXIT.failures;
  },
};
