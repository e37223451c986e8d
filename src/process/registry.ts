/**
 * Everything nixcheck starts that must not outlive it: the process groups of its children
 * (Nix evaluations, builds, VM drivers) and its temporary files and directories. Every
 * spawn and every temporary path goes through this module (run-group.ts, temp.ts), so an
 * interrupted run can end all of them (signals.ts) without each call site remembering to.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';

const groups = new Set<number>();
const tempPaths = new Set<string>();
let stopping: NodeJS.Signals | undefined;

/** A started process group; the returned function forgets it once it has ended. */
export function trackGroup(pgid: number): () => void {
  groups.add(pgid);
  return () => groups.delete(pgid);
}

/** A temporary file or directory; the returned function forgets it once removed. */
export function trackTempPath(path: string): () => void {
  tempPaths.add(path);
  return () => tempPaths.delete(path);
}

/** Set once a signal asked nixcheck to stop: nothing new starts, no report is committed. */
export function stoppingSignal(): NodeJS.Signals | undefined {
  return stopping;
}

export function markStopping(signal: NodeJS.Signals): void {
  stopping ??= signal;
}

export function liveGroups(): number[] {
  return [...groups].filter(groupExists);
}

export function signalGroups(signal: NodeJS.Signals): void {
  for (const pgid of groups) signalGroup(pgid, signal);
}

/** Remove every temporary path still tracked (synchronously: the process is about to exit). */
export function removeTempPaths(): string[] {
  const failed: string[] = [];
  for (const path of tempPaths) {
    try {
      rmSync(path, { recursive: true, force: true });
      tempPaths.delete(path);
    } catch {
      failed.push(path);
    }
  }
  return failed;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Whether a process of the group still runs. Where /proc exists, zombies do not count: a
 * container's init may never reap the grandchildren it inherits.
 */
function groupExists(pgid: number): boolean {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return pids.some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After "pid (comm) ": state ppid pgrp ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    } catch {
      return false;
    }
  });
}
