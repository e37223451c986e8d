import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PathDigester } from './path-digest.js';
import { searchPathDependencies } from './search-path.js';

/**
 * What Nix and Nixpkgs read on their own, whatever the configuration says: Nix's
 * configuration (which decides `builtins.currentSystem`, the search path, purity), the
 * environment variables Nix, Nixpkgs and NixOS consult, and Nixpkgs' per-user config
 * and overlays and the search-path entries Nixpkgs and NixOS look up by themselves
 * (pkgs/top-level/impure.nix and nixos/default.nix read them through strings, which no
 * scan of a file can see). Part of every cache key; fingerprinted before evaluating.
 */
const ENVIRONMENT = [
  'NIX_PATH',
  'HOME',
  'NIX_CONFIG',
  'NIX_CONF_DIR',
  'NIX_USER_CONF_FILES',
  'XDG_CONFIG_HOME',
  'XDG_CONFIG_DIRS',
  'NIX_STORE_DIR',
  'NIX_STATE_DIR',
  'NIX_REMOTE',
  'NIXPKGS_CONFIG',
  'NIXPKGS_ALLOW_UNFREE',
  'NIXPKGS_ALLOW_BROKEN',
  'NIXPKGS_ALLOW_INSECURE',
  'NIXPKGS_ALLOW_UNSUPPORTED_SYSTEM',
  'NIXPKGS_ALLOW_NONSOURCE',
  'NIXOS_CONFIG',
  'NIXOS_EXTRA_MODULE_PATH',
];

export interface AmbientInputs {
  env: Record<string, string | null>;
  files: Record<string, string>;
  /** Nix's configuration sets `nix-path`: `<...>` lookups go where nixcheck does not look. */
  configuresSearchPath: boolean;
}

export function ambientInputs(digester: PathDigester): AmbientInputs {
  const env = Object.fromEntries(ENVIRONMENT.map((name) => [name, process.env[name] ?? null]));
  const configFiles = nixConfigFiles();
  const files: Record<string, string> = {};
  for (const path of [...configFiles, ...nixpkgsConfigFiles()]) files[path] = digester.tree(path);
  for (const lookup of ['nixpkgs-overlays', 'nixos-config']) {
    for (const [path, digest] of searchPathDependencies(lookup, digester)) files[path] = digest;
  }
  const configText = [process.env.NIX_CONFIG ?? '', ...configFiles.map(readOrEmpty)].join('\n');
  return { env, files, configuresSearchPath: /^\s*(extra-)?nix-path\s*=/m.test(configText) };
}

function home(): string {
  return process.env.HOME ?? homedir();
}

/** nix.conf as Nix finds it: the system file, then the user's. */
function nixConfigFiles(): string[] {
  const system = join(process.env.NIX_CONF_DIR ?? '/etc/nix', 'nix.conf');
  const user = process.env.NIX_USER_CONF_FILES;
  if (user !== undefined) return [system, ...user.split(':').filter(Boolean)];
  const dirs = [process.env.XDG_CONFIG_HOME ?? join(home(), '.config'), ...(process.env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':').filter(Boolean)];
  return [system, ...dirs.map((d) => join(d, 'nix', 'nix.conf'))];
}

function nixpkgsConfigFiles(): string[] {
  const h = home();
  return [
    ...(process.env.NIXPKGS_CONFIG ? [process.env.NIXPKGS_CONFIG] : []),
    join(h, '.config', 'nixpkgs', 'config.nix'),
    join(h, '.nixpkgs', 'config.nix'),
    join(h, '.config', 'nixpkgs', 'overlays.nix'),
    join(h, '.config', 'nixpkgs', 'overlays'),
  ];
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
