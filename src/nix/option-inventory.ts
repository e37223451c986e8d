import { resolve } from 'node:path';
import type { ResolvedTarget } from '../target/resolve-target.js';
import { InfrastructureError } from '../util/errors.js';
import { globToRegExp } from '../util/glob.js';
import { packagePath } from '../util/package-root.js';
import { arrayOf, isBoolean, isNumber, isPosition, isString, isStrings, nullable, shape } from './cache-shapes.js';
import { cacheTargetOf } from './cache-key.js';
import type { EvaluationCache } from './eval-cache.js';
import { emptyReads, type ReportedReads } from './reported-reads.js';
import { isInlineModule } from './module-files.js';
import { runNixFile, type NixFileAttempt } from './run-nix-file.js';

export const INVENTORY_FILE = packagePath('src', 'nix', 'inventory.nix');
/** The inventory and what it imports: the cache key covers all of them. */
const INVENTORY_FILES = [INVENTORY_FILE, packagePath('src', 'nix', 'common.nix')];

export interface DeclarationPosition {
  file: string;
  line: number;
  column: number;
}

/** One option of the target that the user's files declare or define. */
export interface InventoryOption {
  loc: string[];
  /** Every declaring file, as Nix reports it (usually a store path). */
  declarations: string[];
  /** null when the module system has no declarationPositions (older nixpkgs lib). */
  declarationPositions: DeclarationPosition[] | null;
  /** Files whose definitions won (`options.<path>.files`). */
  files: string[];
  /** Priority of the winning definitions; 1500 = only the option's own default. null: unknown. */
  highestPrio: number | null;
  /**
   * False when `files` was not evaluated: an error, the option was skipped, it is a
   * sub-option, or the user declares it and a read covers it (the report needs no more).
   */
  filesKnown: boolean;
  /** Declared inside a submodule type (`loc` has `<name>` or `*` for attrsOf / listOf). */
  subOption: boolean;
  /** The declaration has a (non-empty) `description`. */
  description: boolean;
  /** The declaration has an `example`. */
  example: boolean;
  /** The declaring files that are the user's (under a root, not excluded; for an option declared inline, the file that lists its module). */
  userDeclarations: string[];
  /** The defining files that are the user's (an inline module by its name, see src/evidence/origin.ts). */
  userFiles: string[];
}

export interface InventoryProblem {
  /** The option whose `files` (or sub-options) ended the Nix process; it (or they) was skipped. */
  option: string[];
  /** `sub-options`: collecting the options declared inside the option's type ended Nix. */
  part: 'files' | 'sub-options';
  reason: 'fatal' | 'timeout';
  error: string;
}

export interface OptionInventory {
  /** The target's label (host name) and identity. */
  target: string;
  key: string;
  /** Directories whose files count as the user's (the flake's store path, local directories). */
  roots: string[];
  /** The module system's own modules (`modulesPath`), never counted as the user's. */
  modulesPath: string | null;
  options: InventoryOption[];
  problems: InventoryProblem[];
  processes: number;
  durationMs: number;
}

export interface InventoryOptions {
  /** Per Nix process; the whole process group is killed when it runs out. */
  timeoutMs: number;
  /** More directories whose files are the user's (besides the flake / the file's directory). */
  roots?: string[];
  /**
   * Globs (`*`, `**`, `?`) on file paths relative to a root, e.g. `vendor/**`: files that are
   * not the user's even though they lie under a root.
   */
  excludeFiles?: string[];
  /** Options whose evaluation kills Nix are skipped and the walk runs again, at most this often (default 20). */
  maxSkips?: number;
  /** Paths suites and controls read: the user's options they cover need no definitions. */
  reads?: string[][];
  signal?: AbortSignal;
  /** Answers a walk that skipped nothing from here, and keeps such walks. */
  cache?: EvaluationCache;
}

/**
 * A timeout names the option being walked when time ran out: a slow option, or simply a
 * large tree. After this many timeout skips the walk is deemed too slow as a whole.
 */
const MAX_TIMEOUT_SKIPS = 2;

/** The inventory could not be collected at all (the target does not evaluate, Nix failed). */
export class OptionInventoryError extends InfrastructureError {}

interface RawOption {
  loc: string[];
  declarations: string[];
  declarationPositions: DeclarationPosition[] | null;
  files: string[];
  filesKnown: boolean;
  highestPrio: number | null;
  skipped: boolean;
  subOption: boolean;
  description: boolean;
  example: boolean;
}

interface RawInventory {
  roots: string[];
  modulesPath: string | null;
  options: RawOption[];
}

/** What inventory.nix answers, checked field by field when it comes back from the cache. */
const isRawInventory = shape<RawInventory>({
  roots: isStrings,
  modulesPath: nullable(isString),
  options: arrayOf(
    shape<RawOption>({
      loc: isStrings,
      declarations: isStrings,
      declarationPositions: nullable(arrayOf(isPosition)),
      files: isStrings,
      filesKnown: isBoolean,
      highestPrio: nullable(isNumber),
      skipped: isBoolean,
      subOption: isBoolean,
      description: isBoolean,
      example: isBoolean,
    }),
  ),
});
const readRawInventory = (value: unknown) => (isRawInventory(value) ? value : undefined);

/**
 * Walk the target's `options` tree in one Nix evaluation and return the options whose
 * declarations or definitions lie in the user's sources. An option whose `files` end the
 * Nix process (abort, infinite recursion, a timeout) is skipped, reported as a problem,
 * and the walk runs again without it.
 */
export async function collectOptionInventory(target: ResolvedTarget, options: InventoryOptions): Promise<OptionInventory> {
  const started = performance.now();
  const base = target.evalTarget.base;
  const extraRoots = [...(options.roots ?? [])].map((r) => resolve(r));
  if (base.kind === 'file') extraRoots.push(target.evalTarget.sourceDir ?? resolve(base.file, '..'));
  const skip: string[][] = [];
  const skipSubOptions: string[][] = [];
  const problems: InventoryProblem[] = [];
  const reads = options.reads ?? [];
  const maxSkips = options.maxSkips ?? 20;
  let probeModulesPath = true;
  let processes = 0;
  const request = () => ({ base, roots: extraRoots, skip, skipSubOptions, reads, probeModulesPath });
  const answer = (raw: RawInventory) => inventoryFrom(raw, target, options, { problems, processes, durationMs: performance.now() - started });

  const cacheTarget = options.cache && cacheTargetOf(target.evalTarget, INVENTORY_FILES, request());
  const lookup = cacheTarget ? await options.cache!.lookup(cacheTarget, readRawInventory) : undefined;
  await options.cache?.saveFileHashes();
  if (lookup?.hit) return answer(lookup.hit.value);

  for (;;) {
    processes++;
    const reported = lookup && processes === 1 ? emptyReads() : undefined;
    const evaluationStarted = Date.now();
    const attempt = await runInventory(request(), options, reported);
    if (attempt.answer) {
      // Only a walk that skipped nothing answers the request the key names.
      if (lookup && reported && !options.signal?.aborted) await options.cache!.remember(lookup, INVENTORY_FILES, reported, evaluationStarted, attempt.answer, readRawInventory);
      return answer(attempt.answer);
    }
    const marker = attempt.lastMarker;
    if (marker === 'probe' && probeModulesPath) {
      probeModulesPath = false;
      continue;
    }
    const part = marker?.startsWith('suboptions:') ? 'sub-options' : 'files';
    const culprit = marker?.startsWith('option:') || marker?.startsWith('suboptions:') ? parseMarkerPath(marker.slice(marker.indexOf(':') + 1)) : undefined;
    if (!culprit || attempt.cancelled) {
      throw new OptionInventoryError(`nixcheck: cannot collect the options of ${target.label}: ${attempt.error}`);
    }
    const timeouts = problems.filter((p) => p.reason === 'timeout').length;
    if (problems.length >= maxSkips || (attempt.timedOut && timeouts >= MAX_TIMEOUT_SKIPS)) {
      throw new OptionInventoryError(
        `nixcheck: cannot collect the options of ${target.label}: ${problems.length} options ended Nix and were skipped, and another did (${culprit.join('.')}): ${attempt.error}`,
      );
    }
    (part === 'sub-options' ? skipSubOptions : skip).push(culprit);
    problems.push({ option: culprit, part, reason: attempt.timedOut ? 'timeout' : 'fatal', error: attempt.error! });
  }
}

/** The options of the raw answer that are the user's. */
function inventoryFrom(
  raw: RawInventory,
  target: ResolvedTarget,
  options: InventoryOptions,
  run: Pick<OptionInventory, 'problems' | 'processes' | 'durationMs'>,
): OptionInventory {
  const excluded = (options.excludeFiles ?? []).map(fileGlob);
  const isUser = (file: string) => isInlineModule(file) || isUserFile(file, raw.roots, raw.modulesPath, excluded);
  const inventoryOptions: InventoryOption[] = [];
  for (const option of raw.options) {
    // An option declared inline is declared in the file that lists its module, where
    // its declaration position is.
    const userDeclarations = option.declarations.flatMap((d) =>
      isInlineModule(d) ? (option.declarationPositions ?? []).map((p) => p.file).filter((f) => f.startsWith('/')).slice(0, 1) : isUser(d) ? [d] : [],
    );
    const userFiles = option.files.filter(isUser);
    if (userDeclarations.length === 0 && userFiles.length === 0) continue;
    inventoryOptions.push({
      loc: option.loc,
      declarations: option.declarations,
      declarationPositions: option.declarationPositions,
      files: option.files,
      highestPrio: option.highestPrio,
      filesKnown: option.filesKnown && !option.skipped,
      subOption: option.subOption,
      description: option.description,
      example: option.example,
      userDeclarations,
      userFiles,
    });
  }
  return { target: target.label, key: target.key, roots: raw.roots, modulesPath: raw.modulesPath, options: inventoryOptions, ...run };
}

type Attempt = NixFileAttempt<RawInventory>;

function runInventory(
  request: { base: ResolvedTarget['evalTarget']['base']; roots: string[]; skip: string[][]; skipSubOptions: string[][]; reads: string[][]; probeModulesPath: boolean },
  options: InventoryOptions,
  reported: ReportedReads | undefined,
): Promise<Attempt> {
  return runNixFile<RawInventory>(INVENTORY_FILE, 'NIXCHECK_INVENTORY_REQUEST_FILE', request, {
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    what: 'the option inventory',
    ...(reported ? { reads: reported } : {}),
  });
}

function parseMarkerPath(text: string): string[] | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) && value.every((s) => typeof s === 'string') ? (value as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The part of a declaration string that names a file: drops `#attr` and `, via option x` suffixes. */
export function declarationFile(declaration: string): string {
  return declaration.replace(/, via option .*$/, '').replace(/#.*$/, '');
}

function isUserFile(declaration: string, roots: readonly string[], modulesPath: string | null, excluded: readonly RegExp[]): boolean {
  const file = declarationFile(declaration);
  if (modulesPath && file.startsWith(`${modulesPath}/`)) return false;
  const root = roots.find((r) => file.startsWith(`${r}/`));
  if (!root) return false;
  const rel = file.slice(root.length + 1);
  return !excluded.some((re) => re.test(rel));
}

/** A file glob, relative to a root. */
export function fileGlob(pattern: string): RegExp {
  return globToRegExp(pattern.replace(/^\.\//, ''));
}
