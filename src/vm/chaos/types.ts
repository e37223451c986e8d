import type { SourceLocation } from '../../util/errors.js';
import type { IntegrationStep, VmTestBase } from '../integration/types.js';

export interface ProbeExpect {
  exitCode?: number;
  equals?: string;
  contains?: string;
  matches?: string;
  not?: ProbeExpect;
}

export type ProbeSpec =
  | { kind: 'unitActive'; node: string; unit: string }
  | { kind: 'portOpen'; node: string; port: number; target?: string }
  | { kind: 'httpStatus'; node: string; url: string; status: number; target?: string }
  | { kind: 'command'; node: string; command: string; target?: string; expect?: ProbeExpect };

export type Probe = ProbeSpec & { title: string; location: SourceLocation };

export type FaultSpec =
  | { kind: 'diskFull'; node: string; path: string; sizeMiB: number; duration?: number }
  | { kind: 'networkPartition'; node: string; duration?: number }
  | { kind: 'oom'; node: string }
  | { kind: 'serviceKill'; node: string; unit: string; signal: string }
  | { kind: 'crash'; node: string }
  | { kind: 'clockJump'; node: string; seconds: number };

export type FaultKind = FaultSpec['kind'];
export const FAULT_KINDS: readonly FaultKind[] = ['diskFull', 'networkPartition', 'oom', 'serviceKill', 'crash', 'clockJump'];

export interface ChaosScenario extends VmTestBase {
  weight: number;
  probes: Probe[];
  /** Seconds to wait for the hypothesis before the fault (default 120). */
  settleS: number;
  fault: FaultSpec & { location: SourceLocation };
  recoveryDeadlineS: number;
  rollback: IntegrationStep[];
}
