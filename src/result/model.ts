/**
 * The one result model every reporter reads (results.json is this, serialised).
 * Reporters never evaluate anything: all they know is in here.
 */
import type { ShardInfo } from '../shard/select.js';
import type { SourceLocation } from '../util/errors.js';

export type Verdict = 'pass' | 'fail' | 'error' | 'skip';

/** Where a value came from, as the module system tells it. */
export interface Evidence {
  /**
   * The option that holds the value (`boot.kernel.sysctl` for a sysctl key; a submodule's
   * own sub-option, `users.users.alice.isNormalUser`, when the module system tells it).
   */
  option: string;
  /** Key inside the option (`kernel.kptr_restrict`; a number indexes a list), when the path goes below the option. */
  subPath?: (string | number)[];
  isDefined: boolean;
  /** Module-system priority of the effective definition: 50 mkForce, 100 plain, 1000 mkDefault, 1500 the declared default. */
  priority?: number;
  priorityName?: string;
  /**
   * `default`: nobody set it, the declared default applies; `upstream`: only positively
   * upstream modules (under the target's modulesPath, or `upstream:` files) set it, e.g. a
   * mkDefault in nixpkgs; `user`: one of the user's modules (a file of the checkout, an
   * inline module, a `with:` override) defined it; `unknown`: nixcheck cannot tell (a
   * module outside the checkout that is not known to be upstream, or definitions it
   * cannot read).
   */
  source: 'default' | 'upstream' | 'user' | 'unknown';
  /** The definitions that won (only those at the winning priority), with the line where found. */
  definitions: DefinitionSite[];
  /** Definitions that set the same value at a lower priority and lost ("hardening sets 0, the profile forces 1"). */
  overridden: DefinitionSite[];
  /**
   * Whether `overridden` lists every definition that lost: true; false when not all could
   * be found (it may be incomplete, or empty while something lost). Absent when
   * definitions that lost the whole option were not looked for (a passing case's value:
   * `overridden` then holds only what lost inside the winning definitions).
   */
  overriddenKnown?: boolean;
  declarations: SourceSite[];
}

/**
 * Whose definition: `user` (a file of the checkout), `upstream` (positively upstream),
 * `inline` (a module written inline in a module list: the module system records no file
 * for it), `with` (a suite's `with:` override), `external` (a file outside the checkout
 * not known to be upstream).
 */
export type DefinitionOrigin = 'user' | 'upstream' | 'inline' | 'with' | 'external';

export interface SourceSite {
  /** The path as Nix reported it (often in the store). */
  file: string;
  /** The same file in the user's checkout, when it maps back. */
  localFile?: string;
  line?: number;
  column?: number;
}

export interface DefinitionSite extends SourceSite {
  origin: DefinitionOrigin;
  /** Priority of this definition for the path asked about, when known. */
  priority?: number;
  /**
   * When the file's text leaves several places the definition may be (conditional
   * branches that set the same priority and value), those lines; `line` is then absent.
   * For an inline module, `localFile` is the file that lists it, when it could be found there.
   */
  candidates?: number[];
}

export interface TargetRef {
  /** Human label: `laptop`, `laptop+with(3f2a9c1b)`, `file:tests/x.nix`. */
  label: string;
  host?: string;
  flake?: string;
  with?: Record<string, unknown>;
}

export type CaseKind = 'unit' | 'compliance' | 'integration' | 'chaos';

export interface CaseResult {
  id: string;
  kind: CaseKind;
  suite: string;
  suiteFile: string;
  name: string;
  location: SourceLocation;
  target: TargetRef;
  /** Display form of the path; `root` says whether it is under `config` or a raw attribute path. */
  path: string;
  root: 'config' | 'attr';
  verdict: Verdict;
  /** What the matchers expected, in words. */
  expected: string;
  /** The evaluated value (JSON), when evaluation succeeded. */
  actual?: unknown;
  /** The value's Nix type when JSON does not show it: `path` (given as a string, never copied to the store), `derivation`, `function`. */
  actualType?: 'path' | 'derivation' | 'function';
  exists?: boolean;
  message?: string;
  /** Nix's error message (ANSI stripped) when evaluation failed. */
  error?: string;
  /** The `--show-trace` text of that error, when Nix gave one, as `throws:` is matched against it (src/match/throws-text.ts). */
  errorTrace?: string;
  /** throw: Nix reported an error; fatal: it ended the process (abort, recursion); timeout; target: the target itself failed to load. */
  errorReason?: 'throw' | 'fatal' | 'timeout' | 'target';
  evidence?: Evidence;
  durationMs: number;
  cached: boolean;
  properties?: Record<string, string>;
}

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  error: number;
  skip: number;
}

export interface RunResult {
  schemaVersion: 1;
  tool: { name: 'nixcheck'; version: string };
  nix: { version: string | null };
  flake?: string;
  startedAt: string;
  durationMs: number;
  evaluations: { target: string; durationMs: number; cached: boolean; processes: number }[];
  cases: CaseResult[];
  summary: Summary;
  /** Only in a `--shard i/n` run's file. */
  shard?: ShardInfo;
}

export function summarize(cases: readonly CaseResult[]): Summary {
  const s: Summary = { total: cases.length, pass: 0, fail: 0, error: 0, skip: 0 };
  for (const c of cases) s[c.verdict]++;
  return s;
}
