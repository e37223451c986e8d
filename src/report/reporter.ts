import type { RunResult } from '../result/model.js';
import type { RunEvent } from '../run/events.js';

/**
 * A reporter listens to the run's event stream and, at the end, writes what it makes of
 * the one result model. It never evaluates anything.
 */
export interface Reporter {
  readonly name: string;
  onEvent?(event: RunEvent): void;
  /** Write files under `outDir`; return the paths written. */
  finish?(result: RunResult, outDir: string): Promise<string[]>;
}
