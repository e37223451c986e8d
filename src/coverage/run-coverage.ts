/**
 * `nixcheck coverage`: load suites (and the control catalogue) -> plan -> one option
 * inventory per target -> which declared options the reads cover -> reports.
 */
import { relative, resolve, sep } from 'node:path';
import { loadCatalogue } from '../compliance/catalogue.js';
import { SourceLocator } from '../evidence/source-locator.js';
import { EvaluationCache } from '../nix/eval-cache.js';
import { resolveFlake } from '../nix/flake-ref.js';
import { gitTopLevel } from '../nix/source-hash.js';
import { loadSuites } from '../suite/load-suites.js';
import { planSuites } from '../suite/run-suites.js';
import pLimit from 'p-limit';
import { collectOptionInventory, computeCoverage, readsFromControls, readsFromSuites, type CoverageReport } from './index.js';

export interface CoverageOptions {
  flake?: string;
  baseDir: string;
  suites: string[];
  hostsAttr: string;
  hosts?: string[];
  /** Also count the paths compliance controls read. */
  controls: boolean;
  controlDirs?: string[];
  include?: string[];
  exclude?: string[];
  /** Globs (relative to baseDir) of local module files that are not the user's. */
  upstream?: string[];
  jobs: number;
  timeoutMs: number;
  /** Where inventories are cached; null or absent: nowhere. */
  cacheDir?: string | null;
}

export async function runCoverage(options: CoverageOptions): Promise<CoverageReport> {
  const suites = await loadSuites(options.suites, options.baseDir);
  const upstream = (options.upstream ?? []).map((g) => resolve(options.baseDir, g));
  const flake = options.flake ? resolveFlake(options.flake, options.baseDir) : undefined;
  const planned = planSuites(suites, { ...(flake ? { flake } : {}), hostsAttr: options.hostsAttr, ...(options.hosts ? { hosts: options.hosts } : {}) });
  const targets = [...new Map(planned.map((p) => [p.target.key, p.target])).values()];
  const reads = readsFromSuites(planned);
  if (options.controls) reads.push(...readsFromControls((await loadCatalogue({ dirs: options.controlDirs ?? [] })).controls));
  const limit = pLimit(Math.max(1, options.jobs));
  const cache = options.cacheDir ? new EvaluationCache(options.cacheDir) : undefined;
  // The reads go along: the inventory does not evaluate definitions of the user's options they cover.
  const inventories = await Promise.all(
    targets.map((t) =>
      limit(() => collectOptionInventory(t, { timeoutMs: options.timeoutMs, excludeFiles: excludeFiles(upstream, flake?.localDir), reads: reads.map((r) => r.path), ...(cache ? { cache } : {}) })),
    ),
  );
  const roots = flake?.localDir ? [flake.localDir, (gitTopLevel(flake.localDir)) ?? flake.localDir] : [];
  return computeCoverage({
    inventories,
    reads,
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    locator: new SourceLocator(roots, upstream),
  });
}

/** The inventory matches files relative to the flake's root; `upstream` globs are absolute. */
function excludeFiles(upstream: readonly string[], flakeDir: string | undefined): string[] {
  if (!flakeDir) return [...upstream];
  return upstream.map((glob) => relative(flakeDir, glob).split(sep).join('/'));
}
