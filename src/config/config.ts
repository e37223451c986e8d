import { existsSync } from 'node:fs';
import { cpus, freemem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { validatorFor } from '../util/schemas.js';
import { loadYaml } from '../util/yaml-source.js';

export const CONFIG_FILE = 'nixcheck.yaml';

export interface ConfigFile {
  flake?: string;
  suites?: string[];
  hostsAttr?: string;
  jobs?: number;
  timeout?: number;
  out?: string;
  reporters?: ('terminal' | 'junit' | 'json' | 'github')[];
  cacheDir?: string;
  upstream?: string[];
}

/** The configuration with every relative path resolved against the file it came from. */
export interface LoadedConfig extends ConfigFile {
  /** Directory relative paths resolve against: the config file's, or the working directory. */
  baseDir: string;
  file?: string;
}

export async function loadConfig(explicit?: string, cwd = process.cwd()): Promise<LoadedConfig> {
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, CONFIG_FILE);
  if (!explicit && !existsSync(file)) return { baseDir: cwd };
  const { data } = await loadYaml<ConfigFile>(file, validatorFor('config'), 'config');
  return { ...data, baseDir: dirname(file), file };
}

/**
 * Parallel evaluations: one per core, but no more than free memory allows at about
 * 1.5 GiB per NixOS evaluation (large flakes need more: lower --jobs).
 */
export function defaultJobs(): number {
  const byMemory = Math.floor(freemem() / (1.5 * 1024 ** 3));
  return Math.max(1, Math.min(cpus().length, byMemory));
}

export const DEFAULT_SUITES = ['suites/unit/**/*.yaml'];
export const DEFAULT_TIMEOUT_S = 300;
