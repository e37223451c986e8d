import { resolve } from 'node:path';
import { DEFAULT_TIMEOUT_S, defaultJobs, type LoadedConfig } from '../config/config.js';
import { secondsFlag } from '../util/duration.js';
import { defaultCacheDir } from '../nix/eval-cache.js';
import { InputError } from '../util/errors.js';
import { listFlag, type FlagSpec } from './command.js';

/** The flags every command that evaluates hosts shares. */
export const EVALUATION_FLAGS: FlagSpec[] = [
  { name: 'flake', type: 'string', value: 'REF', description: 'The flake (a directory or flake reference). Default: `flake` in nixcheck.yaml.' },
  { name: 'host', type: 'string', multiple: true, value: 'NAME', description: 'Only these hosts or targets (repeatable or comma-separated).' },
  { name: 'hosts-attr', type: 'string', value: 'ATTR', description: 'Attribute set holding the hosts. Default: nixosConfigurations.' },
  { name: 'jobs', short: 'j', type: 'string', value: 'N', description: 'Nix processes evaluating at once (each evaluates target after target). Default: cores, bounded by free memory at 1.5 GiB each.' },
  { name: 'timeout', type: 'string', value: 'SECONDS', description: `Per target; the Nix process group is killed after it (other targets go on in a new one). Default: ${DEFAULT_TIMEOUT_S}.` },
  { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'Report directory. Default: reports/.' },
  { name: 'config', short: 'c', type: 'string', value: 'FILE', description: 'Configuration file. Default: ./nixcheck.yaml when present.' },
  { name: 'cache-dir', type: 'string', value: 'DIR', description: 'Evaluation cache. Default: `cacheDir` in nixcheck.yaml, else $XDG_CACHE_HOME/nixcheck.' },
  { name: 'no-cache', type: 'boolean', description: 'Evaluate everything again; neither read nor write the cache.' },
];

export interface EvaluationSettings {
  flake?: string;
  hosts?: string[];
  hostsAttr: string;
  jobs: number;
  timeoutMs: number;
  outDir: string;
  /** null: no cache. */
  cacheDir: string | null;
}

/** Flags win over nixcheck.yaml; flag paths are relative to the working directory. */
export function evaluationSettings(values: Record<string, unknown>, config: LoadedConfig, cwd = process.cwd()): EvaluationSettings {
  const flake = (values.flake as string | undefined) ?? config.flake;
  const hosts = listFlag(values.host);
  return {
    ...(flake ? { flake } : {}),
    ...(hosts ? { hosts } : {}),
    hostsAttr: (values['hosts-attr'] as string | undefined) ?? config.hostsAttr ?? 'nixosConfigurations',
    jobs: wholeNumber(values.jobs, '--jobs') ?? config.jobs ?? defaultJobs(),
    timeoutMs: (secondsFlag(values.timeout, '--timeout') ?? config.timeout ?? DEFAULT_TIMEOUT_S) * 1000,
    outDir: values.out ? resolve(cwd, values.out as string) : config.out,
    cacheDir: cacheDirSetting(values, config, cwd),
  };
}

/** `--no-cache`, else `--cache-dir` (relative to the working directory), else nixcheck.yaml, else the default. */
export function cacheDirSetting(values: Record<string, unknown>, config: Pick<LoadedConfig, 'cacheDir'> = {}, cwd = process.cwd()): string | null {
  if (values['no-cache']) return null;
  if (values['cache-dir'] !== undefined) return resolve(cwd, values['cache-dir'] as string);
  return config.cacheDir ?? defaultCacheDir();
}

export function positiveNumber(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`${flag} expects a positive number, got ${JSON.stringify(value)}`);
  return n;
}

/** Counts (--jobs, --retries): whole numbers from `min` up. */
export function wholeNumber(value: unknown, flag: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InputError(`${flag} expects a whole number of at least ${min}, got ${JSON.stringify(value)}`);
  return n;
}
