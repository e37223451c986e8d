import type { MatcherSpec } from '../../match/matchers.js';
import type { SourceLocation } from '../../util/errors.js';
import type { WithDefinition } from '../driver/nix.js';

export interface VmNode {
  /** Node name: a Python identifier, the machine variable in the test script. */
  name: string;
  /** nixosConfigurations.<host>. */
  host: string;
  with: WithDefinition[];
  memoryMiB?: number;
  packages: string[];
  location: SourceLocation;
}

export type StepSpec =
  | { kind: 'waitForUnit'; node: string; unit: string; timeout?: number }
  | { kind: 'waitForOpenPort'; node: string; port: number; timeout?: number }
  | { kind: 'waitForFile'; node: string; path: string; timeout?: number }
  | { kind: 'succeed'; node: string; command: string; target?: string; timeout?: number; expect?: MatcherSpec }
  | { kind: 'fail'; node: string; command: string; target?: string; timeout?: number }
  | { kind: 'waitUntilSucceeds'; node: string; command: string; target?: string; timeout?: number; expect?: MatcherSpec }
  | { kind: 'reboot'; node: string }
  | { kind: 'crash'; node: string }
  | { kind: 'block'; node: string }
  | { kind: 'unblock'; node: string }
  | { kind: 'sleep'; seconds: number };

export type StepKind = StepSpec['kind'];

export const STEP_KINDS: readonly StepKind[] = [
  'waitForUnit', 'waitForOpenPort', 'waitForFile', 'succeed', 'fail', 'waitUntilSucceeds',
  'reboot', 'crash', 'block', 'unblock', 'sleep',
];

export type IntegrationStep = StepSpec & {
  /** 1-based position (0 is the generated boot step). */
  index: number;
  title: string;
  location: SourceLocation;
};

/** What every VM test written in a suite has: where it is, its nodes, its limits. */
export interface VmTestBase {
  suite: string;
  /** Suite file as displayed (relative to the working directory when inside it). */
  suiteFile: string;
  name: string;
  description?: string;
  location: SourceLocation;
  nodes: VmNode[];
  timeoutS?: number;
  skip?: string;
}

export interface IntegrationTest extends VmTestBase {
  steps: IntegrationStep[];
  retries?: number;
}
