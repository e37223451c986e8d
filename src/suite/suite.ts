import type { MatcherSpec } from '../match/matchers.js';
import type { PathSegment } from '../nix/request.js';
import type { SourceLocation } from '../util/errors.js';

/** Where a case's value comes from, as written in a suite. */
export interface TargetSpec {
  host?: string;
  flakeAttr?: string;
  /** Absolute, resolved against the suite file. */
  file?: string;
  attr?: string;
  /** With file: arguments (JSON data) when the file is a function. */
  args?: Record<string, unknown>;
  /** An evalModules target: module references (see target/nix-ref.ts), paths made absolute. */
  modules?: string[];
  /** With modules: the lib whose evalModules evaluates them (default: nixpkgs#lib). */
  lib?: string;
  /** With modules: specialArgs (JSON data). */
  specialArgs?: Record<string, unknown>;
  /** With modules: the suite's directory, whose source tree decides the cache key. */
  suiteDir?: string;
}

export interface SuiteCase {
  name: string;
  location: SourceLocation;
  root: 'config' | 'attr';
  path: PathSegment[];
  /** The path as the user wrote it. */
  pathText: string;
  targets: TargetSpec[];
  /** Nested config for extendModules, or null. */
  with: Record<string, unknown> | null;
  withPriority: number;
  skip?: string;
  matchers: MatcherSpec;
}

export interface Suite {
  file: string;
  /** The file as shown to users (relative to the working directory). */
  displayFile: string;
  name: string;
  cases: SuiteCase[];
}
