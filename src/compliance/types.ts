/**
 * The compliance model: controls (compliance/controls/*.yaml), profiles
 * (compliance/profiles/*.yaml), waivers and per-host verdicts. See compliance/README.md.
 */
import type { MatcherSpec } from '../match/matchers.js';
import type { PathSegment } from '../nix/request.js';
import type { SourceLocation } from '../util/errors.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** Sort order for findings: most severe first. */
export function mostSevereFirst(a: { severity: Severity }, b: { severity: Severity }): number {
  return SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity);
}

/** Impact used when a control gives none (InSpec-style weights). */
export const DEFAULT_IMPACT: Readonly<Record<Severity, number>> = { low: 0.3, medium: 0.5, high: 0.7, critical: 0.9 };

/**
 * `manual`: a runtime-only control whose runtime checks have not run (yet). `drift`: the
 * checks pass, but the running system does not have the value the flake evaluates to (not
 * rebuilt, not rebooted, changed by hand), so the flake's verdict does not describe it.
 */
export type ControlStatus = 'pass' | 'fail' | 'error' | 'drift' | 'not-applicable' | 'waived' | 'manual';
export const CONTROL_STATUSES: readonly ControlStatus[] = ['pass', 'fail', 'error', 'drift', 'not-applicable', 'waived', 'manual'];

/** Statuses that are findings: they count against scores, fail gates and set exit code 1. */
export function isFinding(status: ControlStatus | undefined): boolean {
  return status === 'fail' || status === 'error' || status === 'drift';
}

/**
 * S, S/R and R in the reference table; `manual`: neither the evaluated configuration nor a
 * command can decide it, an auditor must (the control says what to look at).
 */
export type ControlMode = 'static' | 'static-runtime' | 'runtime' | 'manual';

export type Framework = 'cis' | 'stig' | 'nist';
export const FRAMEWORKS: readonly Framework[] = ['cis', 'stig', 'nist'];

export type CisProfile = 'server' | 'workstation';
export type CisLevel = 1 | 2;

/** The matcher vocabulary of schemas/matchers.schema.json, shared with suites. */
export type Matchers = MatcherSpec;

/** One assertion on one config path. */
export interface PathCheck {
  kind: 'path';
  /** The path as written (`boot.kernel.sysctl."kernel.kptr_restrict"`). */
  path: string;
  /** The parsed path (`['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict']`; a number indexes a list). */
  attrPath: PathSegment[];
  matchers: Matchers;
  /**
   * The effective value when the path does not exist in the evaluated config (a kernel,
   * systemd or upstream default). The matchers are then applied to this value and the
   * note is shown as the value's source.
   */
  whenAbsent?: { value: unknown; note: string };
  /**
   * Where no option is declared at the path, the check holds vacuously (firewalld cannot be
   * on where NixOS has no firewalld option) instead of being an error. Only outside anyOf
   * and alternatives, where a vacuous branch would decide the verdict.
   */
  ifDeclared?: boolean;
  location: SourceLocation;
}

/** At least one branch passes. */
export interface AnyOfCheck {
  kind: 'anyOf';
  anyOf: Check[];
  location: SourceLocation;
}

/** Every branch passes (useful as a branch of anyOf). */
export interface AllOfCheck {
  kind: 'allOf';
  allOf: Check[];
  location: SourceLocation;
}

/**
 * One setting spelt differently across nixpkgs releases (an option renamed or replaced by
 * a `settings` key): the first alternative this system declares decides; a removed
 * option's stub (mkRemovedOptionModule) does not count as declared.
 */
export interface AlternativesCheck {
  kind: 'alternatives';
  alternatives: PathCheck[];
  location: SourceLocation;
}

export type Check = PathCheck | AnyOfCheck | AllOfCheck | AlternativesCheck;

/** The checks that get a verdict of their own: a path, or a set of alternatives. */
export type DecisionCheck = PathCheck | AlternativesCheck;

/** A fix snippet, for the nixpkgs releases it applies to (all when `releases` is absent). */
export interface FixVariant {
  releases?: string;
  nix: string;
}

/**
 * A command run on the running system (a booted VM, or a live host with --target); the
 * matchers apply to its trimmed stdout when it exits with one of `exitCodes`.
 */
export interface RuntimeCheck {
  command: string;
  expect: Matchers;
  /** Exit codes that are answers (default [0]); any other exit is an error. */
  exitCodes: number[];
  /** The config path (one of the control's checks) whose live value the command prints: a difference is drift. */
  printsValueOf?: { path: string; attrPath: PathSegment[] };
  /** The command changes the system: VMs only, never a live host. */
  unsafe: boolean;
  description?: string;
  location: SourceLocation;
}

export interface CisRef {
  /** CIS Debian Linux 12 Benchmark v1.1.0 recommendation number. */
  id: string;
  level: CisLevel;
  profiles: CisProfile[];
}

export interface ControlRefs {
  cis?: CisRef[];
  /** DISA Anduril NixOS STIG V-IDs. */
  stig?: string[];
  /** NIST SP 800-53 controls. */
  nist?: string[];
}

export interface Control {
  id: string;
  title: string;
  severity: Severity;
  /** Weight 0.0-1.0 (defaulted from severity when the file gives none). */
  impact: number;
  rationale: string;
  remediation: string;
  /** A NixOS snippet that makes the checks pass (the variants, each headed by its releases). */
  fix: string;
  fixes: FixVariant[];
  /** mode `manual`: what an auditor must look at to decide the control. */
  manualCheck?: string;
  refs: ControlRefs;
  tags: string[];
  /** All must hold, otherwise the control is not-applicable. Empty: always applies. */
  appliesWhen: Check[];
  /** Static checks; all must pass. Empty for runtime-only controls. */
  checks: Check[];
  runtime: RuntimeCheck[];
  mode: ControlMode;
  /** file:line:col of the control's `id`. */
  location: SourceLocation;
  /** True for controls shipped with nixcheck (compliance/controls). */
  builtin: boolean;
}

export interface ProfileSelect {
  framework: Framework;
  /** cis: recommendations at this level or below (default 2). */
  maxLevel?: CisLevel;
  /** cis: only recommendations of this CIS profile (default both). */
  profile?: CisProfile;
}

export interface Profile {
  id: string;
  title: string;
  description?: string;
  select?: ProfileSelect;
  include: string[];
  exclude: string[];
  groupBy?: 'nist-family' | 'cis-level' | 'severity';
  location: SourceLocation;
  /** Where each include/exclude entry is written, for error messages. */
  entryLocations: { include: SourceLocation[]; exclude: SourceLocation[] };
  builtin: boolean;
}

export interface Waiver {
  control: string;
  /** Host name globs (`*`, `?`); default `["*"]`. */
  hosts: string[];
  justification: string;
  /** YYYY-MM-DD; the waiver holds through this day. */
  expires: string;
  approvedBy?: string;
  location: SourceLocation;
}

/** The verdict of one control on one host. */
export interface ControlVerdict {
  controlId: string;
  host: string;
  status: ControlStatus;
  severity: Severity;
  impact: number;
  refs: ControlRefs;
  /** The active waiver that applied (status `waived`, or kept on a pass to show it is no longer needed). */
  waiver?: Waiver;
  /** A waiver for this control and host that has expired (it no longer counts). */
  expiredWaiver?: Waiver;
  /** Why, in words (first failing check, evaluation error...). */
  message?: string;
}
