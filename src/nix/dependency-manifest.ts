import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { isInStore, storeDir, UntrackableRead, type PathDigester } from './path-digest.js';
import { scanPathReferences, type PathReferences } from './path-references.js';
import type { ReportedReads } from './reported-reads.js';
import { searchPathDependencies } from './search-path.js';

/**
 * What an answer depends on beyond its first-level key, with the fingerprint each had
 * when Nix read it: a file Nix evaluated, a path with everything below it, or an
 * environment variable. The answer is reused while every fingerprint still holds.
 */
export type Dependency = { path: string; scope: DependencyScope; digest: string } | { env: string; value: string | null };
/** A file as Nix evaluated it; a path with all below it; a `path:` flake's newest modification time. */
export const DEPENDENCY_SCOPES = ['file', 'tree', 'lastModified'] as const;
export type DependencyScope = (typeof DEPENDENCY_SCOPES)[number];

export type Manifest = { cacheable: true; dependencies: Dependency[] } | { cacheable: false; reason: string };

export interface ManifestContext {
  /**
   * nixcheck's own Nix files. They are part of the first-level key, not dependencies.
   * The first is a file Nix evaluates whatever the items (a session's read probe, the
   * inventory's entry point): Nix reporting one of them proves that it reports what it
   * evaluates (a session's others are typed in, never evaluated as files).
   */
  engineFiles: readonly string[];
  /**
   * Local directories whose content is already in the first-level key (a flake's source):
   * Nix evaluates their copies in the store, which are scanned for what they name outside.
   */
  coveredRoots: readonly string[];
  /**
   * A `path:` flake's directory: if a file of the flake mentions `lastModified`, the
   * newest modification time below it is a dependency.
   */
  pathFlake?: string;
  /** Nix's configuration sets its own search path (see ambient-inputs.ts). */
  configuresSearchPath: boolean;
  /** Fingerprints files as they are now; its `changedSince` is when the evaluation started. */
  digester: PathDigester;
  /** Scans already made (by the evaluations of one run). */
  scans: ScanMemo;
}

/**
 * The dependencies of an evaluation, from what Nix reported reading. `reads` may be a
 * superset of what the answer needed: a Nix process that evaluates several targets does
 * not report a file again that an earlier target imported, so for each target pass
 * everything the process reported up to the end of that target.
 *
 * Covered: every file Nix evaluated (outside the store: by content); every local source
 * it copied into the store; and, for every evaluated file that is the user's (outside the
 * store, or a store copy of a covered root or of a copied source), every path it names:
 * path literals with everything below them (a path with an interpolation: the directory
 * before it), `<...>` lookups, `builtins.getEnv "NAME"`. Store paths never change. A
 * file that may read what none of this names makes the answer uncacheable.
 */
export function recordManifest(reads: ReportedReads, context: ManifestContext): Manifest {
  try {
    return { cacheable: true, dependencies: collect(reads, context) };
  } catch (err) {
    if (err instanceof UntrackableRead) return { cacheable: false, reason: err.message };
    throw err;
  }
}

/** Whether every dependency still has the fingerprint it had. */
export function manifestHolds(dependencies: readonly Dependency[], digester: PathDigester): boolean {
  try {
    return dependencies.every((d) =>
      'env' in d ? (process.env[d.env] ?? null) === d.value : digestOf(d.path, d.scope, digester) === d.digest,
    );
  } catch (err) {
    if (err instanceof UntrackableRead) return false;
    throw err;
  }
}

function digestOf(path: string, scope: DependencyScope, digester: PathDigester): string {
  return scope === 'file' ? digester.file(path) : scope === 'tree' ? digester.tree(path) : digester.lastModified(path);
}

function collect(reads: ReportedReads, context: ManifestContext): Dependency[] {
  const store = storeDir();
  const { digester } = context;
  if (!context.engineFiles.some((f) => reads.evaluatedFiles.has(f))) {
    throw new UntrackableRead(`this Nix did not report evaluating ${context.engineFiles[0]}, so it may not report the other files it read`);
  }

  const files = new Set<string>();
  const trees = new Set<string>();
  const env = new Set<string>();
  let readsLastModified = false;
  const copies = [...reads.copiedSources].filter(([, source]) => isAbsolute(source) && !isInStore(source, store));
  const covered = (path: string) => context.coveredRoots.some((root) => path === root || path.startsWith(`${root}/`));

  for (const [, source] of copies) if (!covered(source)) trees.add(source);
  for (const file of reads.evaluatedFiles) {
    if (context.engineFiles.includes(file)) continue;
    if (!isAbsolute(file)) throw new UntrackableRead(`Nix evaluated ${file}, which is not a local path`);
    let refs: PathReferences;
    if (!isInStore(file, store)) {
      files.add(file);
      refs = scanned(context.scans, `${file}\0${digester.file(file)}`, () => readSource(file));
    } else if (isUserCopy(file, copies, context.coveredRoots)) {
      // A copy of the user's files. Without the store file (a Nix that evaluates flakes
      // in place), the local file is what Nix read.
      const local = localCopyOf(file, context.coveredRoots);
      refs = scanned(context.scans, file, () => readSource(file) ?? (local ? readSource(local) : undefined));
    } else {
      // Locked inputs, Nixpkgs: they never change, and what they read by themselves is
      // in the first-level key (ambient-inputs.ts).
      continue;
    }
    if (refs.untrackable.length > 0) throw new UntrackableRead(`${file} may read what no path in it names: ${refs.untrackable.join(', ')}`);
    for (const name of refs.envNames) env.add(name);
    readsLastModified ||= refs.mentionsLastModified;
    for (const ref of refs.paths) {
      const named = ref.text.startsWith('~/') ? join(process.env.HOME ?? homedir(), ref.text.slice(2)) : resolve(dirname(file), ref.text);
      // `./hosts/${name}.nix` can name anything in ./hosts; `./x${y}` anything beside ./x.
      const path = ref.interpolated && !ref.text.endsWith('/') ? dirname(named) : named;
      if (!isInStore(path, store)) trees.add(path);
    }
    for (const lookup of refs.searchPaths) {
      if (context.configuresSearchPath) throw new UntrackableRead(`<${lookup}> in ${file}: nix.conf sets its own search path`);
      for (const [candidate] of searchPathDependencies(lookup, digester)) trees.add(candidate);
    }
  }

  const dependencies: Dependency[] = [];
  for (const path of [...files].sort()) dependencies.push({ path, scope: 'file', digest: digester.file(path) });
  for (const path of [...trees].sort()) dependencies.push({ path, scope: 'tree', digest: digester.tree(path) });
  for (const name of [...env].sort()) dependencies.push({ env: name, value: process.env[name] ?? null });
  if (readsLastModified && context.pathFlake) {
    dependencies.push({ path: context.pathFlake, scope: 'lastModified', digest: digester.lastModified(context.pathFlake) });
  }
  return dependencies;
}

/** Scans of files Nix evaluated, by store path (immutable) or by local path and content. */
export type ScanMemo = Map<string, PathReferences>;

function scanned(memo: ScanMemo, key: string, read: () => string | undefined): PathReferences {
  let refs = memo.get(key);
  if (!refs) {
    const text = read();
    if (text === undefined) throw new UntrackableRead(`cannot read ${key.split('\0')[0]}, which Nix evaluated`);
    refs = scanPathReferences(text);
    memo.set(key, refs);
  }
  return refs;
}

/**
 * Whether a store file is a copy of the user's: below a source Nix reported copying, or
 * at the path of a file under a covered root (a flake's copy is
 * `<store>/<hash>-source/<path in the root>`; should a file of Nixpkgs share a path with
 * one of the flake's, it is scanned too, which costs nothing but time).
 */
function isUserCopy(file: string, copies: [string, string][], roots: readonly string[]): boolean {
  return copies.some(([storePath]) => file.startsWith(`${storePath}/`)) || localCopyOf(file, roots) !== undefined;
}

function localCopyOf(file: string, roots: readonly string[]): string | undefined {
  const inStore = file.slice(storeDir().length + 1);
  const slash = inStore.indexOf('/');
  if (slash < 0) return undefined;
  return roots.map((root) => join(root, inStore.slice(slash + 1))).find((local) => existsSync(local));
}

/** The text of a file; undefined when it cannot be read. */
function readSource(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // Unreadable: no text (the caller says which file).
  }
}

/**
 * Both lists, when they can hold at the same time (no path or variable with two different
 * fingerprints); undefined otherwise.
 */
export function unionDependencies(a: readonly Dependency[], b: readonly Dependency[]): Dependency[] | undefined {
  const byId = new Map<string, Dependency>();
  for (const d of [...a, ...b]) {
    const id = 'env' in d ? `env\0${d.env}` : `${d.scope}\0${d.path}`;
    const known = byId.get(id);
    if (known && JSON.stringify(known) !== JSON.stringify(d)) return undefined;
    byId.set(id, d);
  }
  return [...byId.values()];
}
