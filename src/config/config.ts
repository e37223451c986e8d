import { existsSync } from 'node:fs';
import { cpus, freemem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { resolveFlake } from '../nix/flake-ref.js';
import { validatorFor } from '../util/schemas.js';
import { InputError } from '../util/errors.js';
import { displayPath, loadYaml, type YamlSource } from '../util/yaml-source.js';

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

/**
 * The configuration with every path made absolute against the file it came from (or the
 * working directory when there is no file), defaults filled in. Flags, by contrast, are
 * relative to the working directory: commands resolve those themselves.
 */
export interface LoadedConfig extends Omit<ConfigFile, 'suites' | 'out'> {
  /** The config file's directory, or the working directory. */
  baseDir: string;
  file?: string;
  suites: string[];
  out: string;
}

export async function loadConfig(explicit?: string, cwd = process.cwd()): Promise<LoadedConfig> {
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, CONFIG_FILE);
  const exists = explicit !== undefined || existsSync(file);
  const source = exists ? await loadYaml<ConfigFile>(file, validatorFor('config'), 'config') : undefined;
  const data = source?.data ?? {};
  const baseDir = exists ? dirname(file) : cwd;
  const at = (p: string) => resolve(baseDir, p);
  return {
    ...data,
    baseDir,
    ...(exists ? { file } : {}),
    ...(data.flake ? { flake: configFlake(data.flake, baseDir, source!) } : {}),
    suites: (data.suites ?? DEFAULT_SUITES).map(at),
    out: at(data.out ?? 'reports'),
    ...(data.cacheDir ? { cacheDir: at(data.cacheDir) } : {}),
    ...(data.upstream ? { upstream: data.upstream.map(at) } : {}),
  };
}

/** `flake:` of nixcheck.yaml, resolved against the file; a bad one is an error at its line. */
function configFlake(flake: string, baseDir: string, source: YamlSource<ConfigFile>): string {
  try {
    return resolveFlake(flake, baseDir).ref;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(`config ${displayPath(source.file)} has errors`, [{ location: source.locate(['flake']), message: `flake: no flake.nix in ${resolve(baseDir, flake)}` }]);
  }
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
