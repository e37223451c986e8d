import { resolve } from 'node:path';
import { DEFAULT_TIMEOUT_S, defaultJobs } from '../../config/config.js';
import { formatInitReport, initProject } from '../../init/init-project.js';
import { EXIT } from '../../util/errors.js';
import { listFlag, type Command } from '../command.js';
import { secondsFlag } from '../../util/duration.js';
import { cacheDirSetting, positiveNumber } from '../evaluation-flags.js';

export const initCommand: Command = {
  name: 'init',
  summary: 'start testing a flake: nixcheck.yaml, a passing suite per host from its current values, a GitHub workflow',
  usage: 'nixcheck init [--flake DIR] [--host NAME]... [--nixcheck-flake REF] [--force]',
  flags: [
    { name: 'flake', type: 'string', value: 'DIR', description: 'The flake directory to set up (files are written there). Default: the working directory.' },
    { name: 'host', type: 'string', multiple: true, value: 'NAME', description: 'Only these hosts (repeatable or comma-separated). Default: all.' },
    { name: 'hosts-attr', type: 'string', value: 'ATTR', description: 'Attribute set holding the hosts. Default: nixosConfigurations.' },
    { name: 'force', type: 'boolean', description: 'Rewrite files that exist. Default: keep them.' },
    { name: 'no-workflow', type: 'boolean', description: 'Do not write .github/workflows/nixcheck.yml.' },
    {
      name: 'nixcheck-flake',
      type: 'string',
      value: 'REF',
      description: 'The workflow runs nixcheck from this flake reference, which must name a commit (github:OWNER/nixcheck/<rev>). Default: the nixcheck your package.json or flake.lock pins; without one, no workflow.',
    },
    { name: 'jobs', short: 'j', type: 'string', value: 'N', description: 'Hosts evaluated in parallel.' },
    { name: 'timeout', type: 'string', value: 'SECONDS', description: `Per evaluation of a host; its Nix process group is killed after it. Default: ${DEFAULT_TIMEOUT_S}.` },
    { name: 'cache-dir', type: 'string', value: 'DIR', description: 'Evaluation cache. Default: $XDG_CACHE_HOME/nixcheck.' },
    { name: 'no-cache', type: 'boolean', description: 'Neither read nor write the evaluation cache.' },
  ],
  async run(values) {
    const dir = resolve(process.cwd(), (values.flake as string | undefined) ?? '.');
    const report = await initProject({
      dir,
      ...(values['hosts-attr'] ? { hostsAttr: values['hosts-attr'] as string } : {}),
      ...(listFlag(values.host) ? { hosts: listFlag(values.host)! } : {}),
      force: Boolean(values.force),
      workflow: !values['no-workflow'],
      ...(values['nixcheck-flake'] !== undefined ? { nixcheckFlake: values['nixcheck-flake'] as string } : {}),
      jobs: positiveNumber(values.jobs, '--jobs') ?? defaultJobs(),
      timeoutMs: (secondsFlag(values.timeout, '--timeout') ?? DEFAULT_TIMEOUT_S) * 1000,
      cacheDir: cacheDirSetting(values),
    });
    process.stdout.write(formatInitReport(report));
    return EXIT.ok;
  },
};
