import { readFileSync, realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { VERSION } from '../run/version.js';
import { ambientInputs, type AmbientInputs } from './ambient-inputs.js';
import { sha256, type CacheTarget } from './cache-key.js';
import { arrayOf, isDependency, isObject, isString, nullable } from './cache-shapes.js';
import { readCacheFile, writeCacheFile } from './cache-file.js';
import { manifestHolds, recordManifest, type Dependency, type Manifest, type ScanMemo } from './dependency-manifest.js';
import { FileHashCache } from './file-hash-cache.js';
import { nixBinary } from './nix-cli.js';
import { PathDigester, UntrackableRead } from './path-digest.js';
import type { ReportedReads } from './reported-reads.js';
import { gitTopLevel, hashSources, type FlakeScope } from './source-hash.js';

/**
 * The evaluation cache: a two-level, content-addressed store of Nix answers.
 *
 * The first level is keyed by what is known before evaluating: nixcheck's version and
 * Nix program, the Nix binary, the target and request, and the ambient inputs (Nix's
 * configuration, the environment variables and files Nix and Nixpkgs read by
 * themselves); for a local flake also every file Nix copies of it. Under that key live
 * records: the dependencies one evaluation had (the files it read, with their content
 * hashes; see dependency-manifest.ts) and the answers it gave. A lookup is a hit when
 * every dependency of a record still holds. Content hashes are remembered by stat(), so
 * a warm lookup reads no source file and starts no Nix process (for a flake in git, it
 * asks git which files are tracked).
 */
const FORMAT = 2;
/** Records kept per first-level key: switching back and forth between branches stays warm. */
const MAX_RECORDS = 4;

export interface CacheRecord<T> {
  dependencies: Dependency[];
  nixVersion: string | null;
  value: T;
}

/** See EvaluationCache.environment. */
export interface CacheEnvironment {
  ambient: AmbientInputs;
  /** The Nix binary (nixFingerprint). */
  nix: string;
  /** Files and trees as they are now: lookups made together see each file once. */
  digester: PathDigester;
}

export interface CacheLookup<T> {
  key: string;
  /** The record whose dependencies all hold, if any. */
  hit?: CacheRecord<T>;
  /** Recording what the evaluation read needs these. */
  coveredRoots: string[];
  configuresSearchPath: boolean;
  /** The local flake and the fingerprint of its files the key holds. */
  flake?: { dir: string; scope: FlakeScope; fingerprint: string };
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'nixcheck');
}

/** Identify the Nix binary without running it: its resolved path, size and mtime. */
export async function nixFingerprint(binary: string): Promise<string> {
  const candidates = isAbsolute(binary) ? [binary] : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, binary));
  for (const candidate of candidates) {
    try {
      const real = await realpath(candidate);
      const s = await stat(real);
      if (s.isFile()) return `${real}:${s.size}:${s.mtimeMs}`;
    } catch {
      // not in this PATH entry
    }
  }
  return `missing:${binary}`;
}

/** One cache directory, shared by the evaluations of a run (or of a long-lived API process). */
export class EvaluationCache {
  private readonly files: FileHashCache;
  private readonly programs = new Map<string, Program>();
  private readonly flakeHashes = new Map<string, { startedAt: number; hash: Promise<string> }>();
  private readonly scans: ScanMemo = new Map();

  constructor(readonly dir: string) {
    this.files = FileHashCache.in(dir);
  }

  /**
   * What every key of an evaluation shares: the ambient inputs and the Nix binary.
   * Undefined when the ambient inputs cannot be fingerprinted: then nothing is cached.
   * Computed once for the targets evaluated together (evaluateMany), by lookup otherwise.
   */
  async environment(): Promise<CacheEnvironment | undefined> {
    const digester = new PathDigester({ files: this.files });
    let ambient: AmbientInputs;
    try {
      ambient = ambientInputs(digester);
    } catch (err) {
      if (err instanceof UntrackableRead) return undefined;
      throw err;
    }
    return { ambient, nix: await nixFingerprint(nixBinary()), digester };
  }

  /** Compute the first-level key and find a record that still holds; undefined when nothing can be cached. */
  async lookup<T>(target: CacheTarget, readValue: (value: unknown) => T | undefined, shared?: CacheEnvironment): Promise<CacheLookup<T> | undefined> {
    const environment = shared ?? (await this.environment());
    if (!environment) return undefined;
    const { ambient, nix, digester } = environment;
    const flake = target.flakeSource;
    const coveredRoots = flake ? [flake.dir, (await gitTopLevel(flake.dir)) ?? flake.dir] : [];
    const fingerprint = flake ? await this.flakeHash(flake.dir, flake.scope) : null;
    const key = sha256(
      JSON.stringify({
        format: FORMAT,
        program: this.program(target.program).hash,
        nix,
        request: target.request,
        ambient,
        flakeSources: fingerprint,
      }),
    );
    const hit = this.records(key, readValue).find((r) => manifestHolds(r.dependencies, digester));
    return {
      key,
      ...(hit ? { hit } : {}),
      coveredRoots,
      configuresSearchPath: ambient.configuresSearchPath,
      ...(flake && fingerprint ? { flake: { ...flake, fingerprint } } : {}),
    };
  }

  /**
   * The dependencies of an evaluation that started at `startedAt` (ms) and reported
   * `reads`, or why it cannot be cached. For a Nix process that evaluates several
   * targets: the start of the process, and everything it reported up to the end of the
   * target (see recordManifest).
   */
  async manifest(lookup: CacheLookup<unknown>, program: readonly string[], reads: ReportedReads, startedAt: number): Promise<Manifest> {
    // The key holds the flake's files as they were before Nix copied them: an edit since
    // then (reverted later) would make the key name an answer it does not give.
    const ended = performance.now();
    if (lookup.flake && (await this.flakeHash(lookup.flake.dir, lookup.flake.scope, ended)) !== lookup.flake.fingerprint) {
      return { cacheable: false, reason: `the files of ${lookup.flake.dir} changed while Nix was evaluating` };
    }
    return recordManifest(reads, {
      engineFiles: this.program(program).files,
      coveredRoots: lookup.coveredRoots,
      ...(lookup.flake?.scope === 'path' ? { pathFlake: lookup.flake.dir } : {}),
      configuresSearchPath: lookup.configuresSearchPath,
      digester: new PathDigester({ files: this.files, changedSince: startedAt }),
      scans: this.scans,
    });
  }

  /** Keep an answer that is the whole of an evaluation, unless what it read cannot be fingerprinted. */
  async remember<T>(lookup: CacheLookup<T>, program: readonly string[], reads: ReportedReads, startedAt: number, value: T, readValue: (value: unknown) => T | undefined): Promise<void> {
    const manifest = await this.manifest(lookup, program, reads, startedAt);
    if (manifest.cacheable) await this.store(lookup.key, { dependencies: manifest.dependencies, nixVersion: null, value }, readValue);
    await this.saveFileHashes();
  }

  /**
   * Store a record first under its key. `replaces` (the record it grew from) goes; a
   * record stored meanwhile with the same dependencies (a parallel run) is merged into it.
   */
  async store<T>(
    key: string,
    record: CacheRecord<T>,
    readValue: (value: unknown) => T | undefined,
    options: { replaces?: CacheRecord<T>; merge?: (stored: T, fresh: T) => T } = {},
  ): Promise<void> {
    // Re-read just before writing: another evaluation may have stored under the same key.
    const deps = (r: CacheRecord<T>) => JSON.stringify(r.dependencies);
    const stored = this.records(key, readValue);
    const twin = options.merge && stored.find((r) => deps(r) === deps(record));
    const first = twin ? { ...record, value: options.merge!(twin.value, record.value) } : record;
    const superseded = new Set([deps(record), ...(options.replaces ? [deps(options.replaces)] : [])]);
    const others = stored.filter((r) => !superseded.has(deps(r)));
    await writeCacheFile(join(this.dir, `${key}.json`), { format: FORMAT, records: [first, ...others].slice(0, MAX_RECORDS) });
  }

  /**
   * Remember the content hashes computed so far (lookups and manifests hash files), for
   * the next run: once, after the lookups and stores of an evaluation, not per target.
   */
  saveFileHashes(): Promise<void> {
    return this.files.save();
  }

  /** The records stored under `key` that have the expected shape. */
  private records<T>(key: string, readValue: (value: unknown) => T | undefined): CacheRecord<T>[] {
    const read = readCacheFile(join(this.dir, `${key}.json`));
    if (read.status !== 'ok' || !isObject(read.data) || read.data.format !== FORMAT || !Array.isArray(read.data.records)) return [];
    const records: CacheRecord<T>[] = [];
    for (const r of read.data.records) {
      if (!isObject(r) || !arrayOf(isDependency)(r.dependencies) || !nullable(isString)(r.nixVersion)) continue;
      const value = readValue(r.value);
      if (value !== undefined) records.push({ dependencies: r.dependencies, nixVersion: r.nixVersion, value });
    }
    return records;
  }

  /**
   * nixcheck's own Nix program, once per cache (it does not change under a run): its
   * hash (with nixcheck's version), part of every key, and its files as given and as
   * resolved (Nix reports either).
   */
  private program(files: readonly string[]): Program {
    const memo = files.join('\0');
    let program = this.programs.get(memo);
    if (!program) {
      program = { hash: sha256(`${VERSION}\0${files.map((f) => readFileSync(f, 'utf8')).join('\0')}`), files: files.flatMap((f) => [f, realpathOr(f)]) };
      this.programs.set(memo, program);
    }
    return program;
  }

  /**
   * Targets evaluated at the same time share one hash of a flake; a later call hashes
   * again, since a long-lived evaluator (the vitest API, a watch mode) sees files change.
   * `startedAfter` (performance.now()): share only a hash that began then or later.
   */
  private flakeHash(dir: string, scope: FlakeScope, startedAfter = 0): Promise<string> {
    const memo = `${scope}\0${dir}`;
    const running = this.flakeHashes.get(memo);
    if (running && running.startedAt >= startedAfter) return running.hash;
    const started = { startedAt: performance.now(), hash: hashSources(dir, scope, this.files) };
    this.flakeHashes.set(memo, started);
    const forget = () => {
      if (this.flakeHashes.get(memo) === started) this.flakeHashes.delete(memo);
    };
    started.hash.then(forget, forget);
    return started.hash;
  }
}

interface Program {
  hash: string;
  files: string[];
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
