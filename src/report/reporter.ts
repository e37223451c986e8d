import type { RunResult } from '../result/model.js';
import type { RunEvent } from '../run/events.js';
import type { ReportFile } from '../util/atomic-write.js';

/**
 * A reporter listens to the run's event stream and, at the end, makes what it can of the
 * one result model: report files (written together with every other reporter's, as one
 * set) and output that is not a report file. It never evaluates anything.
 */
export interface Reporter {
  readonly name: string;
  onEvent?(event: RunEvent): void;
  /** The report files this reporter makes of the result. */
  files?(result: RunResult): ReportFile[];
  /** Output beside the report set (terminal, GitHub); returns the paths it wrote, if any. */
  finish?(result: RunResult, outDir: string): Promise<string[]>;
}
