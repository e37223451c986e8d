import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { UntrackableRead, type PathDigester } from './path-digest.js';

/**
 * Where Nix looks for `<name/rest>`: the entries of `NIX_PATH` (or, when it is unset,
 * Nix's default channels), in order; the first candidate that exists wins. Every
 * candidate up to the winner decides the answer: the earlier ones by not existing.
 * `untrackable` when an entry is a URL (a download nixcheck cannot fingerprint).
 */
export function searchPathCandidates(lookup: string, nixPath: string | undefined = process.env.NIX_PATH): { candidates: string[] } | { untrackable: string } {
  const candidates: string[] = [];
  for (const entry of searchPathEntries(nixPath)) {
    const eq = entry.indexOf('=');
    const prefix = eq >= 0 ? entry.slice(0, eq) : '';
    const location = eq >= 0 ? entry.slice(eq + 1) : entry;
    let suffix: string;
    if (prefix === '') suffix = `/${lookup}`;
    else if (lookup === prefix) suffix = '';
    else if (lookup.startsWith(`${prefix}/`)) suffix = lookup.slice(prefix.length);
    else continue;
    // A URL, or a newer Nix's `flake:` entry: a download, not a local path.
    if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return { untrackable: `<${lookup}> may come from ${location}` };
    candidates.push(resolve(location) + suffix);
  }
  return { candidates };
}

/**
 * What the answer to `<lookup>` depends on: every candidate up to the first that exists,
 * each with its fingerprint.
 */
export function searchPathDependencies(lookup: string, digester: PathDigester): [string, string][] {
  const found = searchPathCandidates(lookup);
  if ('untrackable' in found) throw new UntrackableRead(found.untrackable);
  const dependencies: [string, string][] = [];
  for (const candidate of found.candidates) {
    const digest = digester.tree(candidate);
    dependencies.push([candidate, digest]);
    if (digest !== 'absent') break;
  }
  return dependencies;
}

function searchPathEntries(nixPath: string | undefined): string[] {
  if (nixPath !== undefined) return parseNixPath(nixPath);
  const state = process.env.NIX_STATE_DIR ?? '/nix/var/nix';
  return [
    `${process.env.HOME ?? homedir()}/.nix-defexpr/channels`,
    `nixpkgs=${state}/profiles/per-user/root/channels/nixpkgs`,
    `${state}/profiles/per-user/root/channels`,
  ];
}

/** As Nix splits `NIX_PATH`: on colons, except the one inside a URL (`nixpkgs=https://...`). */
export function parseNixPath(value: string): string[] {
  const entries: string[] = [];
  let p = 0;
  while (p < value.length) {
    const start = p;
    let valueStart = p;
    while (p < value.length && value[p] !== ':') {
      if (value[p] === '=') valueStart = p + 1;
      p++;
    }
    if (p === value.length) {
      if (p > start) entries.push(value.slice(start, p));
      break;
    }
    if (isUri(value.slice(valueStart))) {
      p++;
      while (p < value.length && value[p] !== ':') p++;
    }
    entries.push(value.slice(start, p));
    p++;
  }
  return entries;
}

/** Nix's own test for a URL in NIX_PATH. */
function isUri(text: string): boolean {
  return text.startsWith('channel:') || /^(http|https|file|channel|git|s3|ssh):\/\//.test(text);
}
