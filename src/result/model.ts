/**
 * The one result model every reporter reads (results.json is this, serialised).
 * Reporters never evaluate anything: all they know is in here.
 */
import type { ShardInfo } from '../shard/select.js';
import type { SourceLocation } from '../util/errors.js';

export type Verdict = 'pass' | 'fail' | 'error' | 'skip';

/** Where a value came from, as the module system tells it. */
export interface Evidence {
  /** The option that holds the value (`boot.kernel.sysctl` for a sysctl key). */
  option: string;
  /** Key inside an attrsOf option (`kernel.kptr_restrict`), when the path goes below the option. */
  subPath?: string[];
  isDefined: boolean;
  /** Module-system priority of the effective definition: 50 mkForce, 100 plain, 1000 mkDefault, 1500 the declared default. */
  priority?: number;
  priorityName?: string;
  /**
   * `default`: nobody set it, the declared default applies; `upstream`: only NixOS's own
   * modules (or other non-user modules) set it, e.g. a mkDefault in nixpkgs; `user`: one
   * of the user's modules defined it.
   */
  source: 'default' | 'upstream' | 'user' | 'unknown';
  /** The definitions that won (only those at the winning priority), with the line where found. */
  definitions: DefinitionSite[];
  /** Definitions that set the same value at a lower priority and lost ("hardening sets 0, the profile forces 1"). */
  overridden: DefinitionSite[];
  declarations: SourceSite[];
}

export interface SourceSite {
  /** The path as Nix reported it (often in the store). */
  file: string;
  /** The same file in the user's checkout, when it maps back. */
  localFile?: string;
  line?: number;
  column?: number;
}

export interface DefinitionSite extends SourceSite {
  /** Defined by a module that is not the user's (nixpkgs, or a configured upstream path). */
  upstream?: boolean;
  /** Priority of this definition for the key asked about (attrsOf options), when known. */
  priority?: number;
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
  exists?: boolean;
  message?: string;
  /** The full Nix error text (ANSI stripped) when evaluation failed. */
  error?: string;
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
