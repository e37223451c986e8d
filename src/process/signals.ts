/**
 * Ctrl-C, `kill` and a closed terminal: nixcheck's children run in their own process
 * groups (so a timeout can kill them whole), which also means the terminal's SIGINT never
 * reaches them. On SIGINT, SIGTERM or SIGHUP nixcheck therefore ends every group it
 * started (SIGTERM, then SIGKILL after a grace period: Nix may ignore SIGTERM while it
 * evaluates), removes its temporary files, commits no report, and exits 128 + the signal
 * number. A second signal skips the grace period.
 */
import { liveGroups, markStopping, removeTempPaths, signalGroups, stoppingSignal } from './registry.js';

export const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface SignalOptions {
  /** Between SIGTERM and SIGKILL (ms). */
  graceMs?: number;
  /** Where the one line about the interruption goes. */
  log?: (line: string) => void;
  exit?: (code: number) => never;
}

/** Install the handlers (the CLI does, once; the library and its tests do not). */
export function exitOnSignals(options: SignalOptions = {}): void {
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as HandledSignal[]) {
    process.on(signal, () => {
      if (stoppingSignal()) {
        signalGroups('SIGKILL');
        return;
      }
      void stopEverything(signal, options);
    });
  }
}

export async function stopEverything(signal: HandledSignal, options: SignalOptions = {}): Promise<never> {
  markStopping(signal);
  const started = liveGroups().length;
  signalGroups('SIGTERM');
  await waitUntil(() => liveGroups().length === 0, options.graceMs ?? 3000);
  if (liveGroups().length > 0) {
    signalGroups('SIGKILL');
    await waitUntil(() => liveGroups().length === 0, 2000);
  }
  const left = liveGroups();
  const stuck = removeTempPaths();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  log(
    `nixcheck: stopped by ${signal}: ended ${started} process group(s)` +
      (left.length ? `, ${left.length} did not end (${left.join(', ')})` : '') +
      (stuck.length ? `; could not remove ${stuck.join(', ')}` : ''),
  );
  return (options.exit ?? process.exit)(SIGNAL_EXIT_CODES[signal]);
}

async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
