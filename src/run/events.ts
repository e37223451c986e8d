import type { CaseResult, RunResult } from '../result/model.js';

/** One event stream; every reporter listens to the same events (as vitest's reporters do). */
export type RunEvent =
  | { type: 'run-start'; cases: number; targets: number }
  | { type: 'target-start'; target: string; items: number }
  | { type: 'target-end'; target: string; items: number; durationMs: number; cached: boolean; processes: number }
  | { type: 'case'; result: CaseResult }
  | { type: 'run-end'; result: RunResult };

export type RunListener = (event: RunEvent) => void;

export class RunEvents {
  private readonly listeners: RunListener[] = [];

  on(listener: RunListener): void {
    this.listeners.push(listener);
  }

  emit(event: RunEvent): void {
    for (const l of this.listeners) l(event);
  }
}
