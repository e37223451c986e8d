import type { SourceLocation } from '../../util/errors.js';

/** A step of a generated test as the runner knows it (index 0 is the boot step). */
export interface CompiledStep {
  index: number;
  title: string;
  location: SourceLocation;
  /** Node the step acts on, when it has one. */
  node?: string;
  kind: string;
}

/** A generated VM test, ready to build and run. */
export interface CompiledVmTest {
  kind: 'integration' | 'chaos' | 'runtime';
  /** Derivation name (runNixOSTest `name`). */
  name: string;
  /** Directory name under the artifacts folder. */
  slug: string;
  /** The Nix file (a function of { flake, system, pkgs }). */
  nix: string;
  /** The test script with the @NIXCHECK_NODES@ placeholder Nix fills in. */
  python: string;
  /** The JSON document both read. */
  params: unknown;
  nodes: { name: string; host: string; memoryMiB: number }[];
  steps: CompiledStep[];
  /** Seconds the driver run may take (also runNixOSTest globalTimeout). */
  timeoutS: number;
  /** Run again this many times when it fails. */
  retries?: number;
  requiredSystemFeatures: string[];
}

/** An existing VM test of the flake: checks.<system>.<name>, built as .driver. */
export interface FlakeCheckTest {
  kind: 'flake-check';
  /** checks.<system>.<name>. */
  name: string;
  /** Default: builtins.currentSystem. */
  system?: string;
  slug: string;
  timeoutS?: number;
  retries?: number;
  /** Where the check was asked for (a suite line or the command line). */
  location?: SourceLocation;
  /** Memory to reserve when scheduling (MiB); default 2048. */
  memoryMiB?: number;
}

export type RunnableTest = CompiledVmTest | FlakeCheckTest;

export interface ProgressEvent {
  test: string;
  phase: 'queued' | 'build' | 'run' | 'step-begin' | 'step-end' | 'line' | 'retry' | 'done';
  attempt?: number;
  step?: number;
  title?: string;
  status?: string;
  line?: string;
  verdict?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;
