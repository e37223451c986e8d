import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { stoppingSignal } from '../process/registry.js';
import { makeTempDir } from '../process/temp.js';

/**
 * Write through a temporary sibling and rename, so a reader never sees half a file. The
 * temporary file is removed on every failure (a full disk must not leave it behind for the
 * next run to trip over), and the error names the file. Synchronous inside: a run writes
 * hundreds of small cache records, each asynchronous call would be a trip through the
 * thread pool, and no signal handler can run between the write and the rename.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporarySibling(path);
  try {
    // The directory is created only when the write says it is missing: hundreds of cache
    // records a run go into one that exists.
    try {
      writeFileSync(tmp, data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(tmp, data);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the write's error is the one to report
    }
    throw writeError(path, err);
  }
}

function temporarySibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomUUID()}.tmp`);
}

function writeError(path: string, err: unknown): Error {
  return new Error(`cannot write ${path}: ${(err as Error).message}`);
}

/** One file of a report set: its name in the report directory and how to render it. */
export interface ReportFile {
  name: string;
  render(): string | Promise<string>;
}

export interface ReportSetOutcome {
  written: string[];
  /** Why the set was not written, file by file; empty when it was. */
  failures: string[];
}

/**
 * Write a set of reports that belong together (junit.xml and results.json of one run) so
 * that readers see either the old set or the new one, never a mix: every file is rendered
 * and written into a staging directory inside `dir` first; only when all of them are
 * there are they renamed into place, synchronously, so no signal handler can run between
 * two renames. When any file fails (a full disk, a render error) or nixcheck is stopping,
 * nothing is replaced and the staging directory is removed.
 */
export async function writeReportSet(dir: string, files: readonly ReportFile[]): Promise<ReportSetOutcome> {
  if (files.length === 0) return { written: [], failures: [] };
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    return { written: [], failures: [`cannot create the report directory ${dir}: ${(err as Error).message}`] };
  }
  let stage;
  try {
    stage = await makeTempDir('.nixcheck-staging-', dir);
  } catch (err) {
    return { written: [], failures: [`cannot write reports into ${dir}: ${(err as Error).message}`] };
  }
  try {
    const failures: string[] = [];
    for (const file of files) {
      try {
        await writeFile(join(stage.path, file.name), await file.render());
      } catch (err) {
        failures.push(`cannot write ${join(dir, file.name)}: ${(err as Error).message}`);
      }
    }
    const stopping = stoppingSignal();
    if (stopping) failures.push(`reports in ${dir} not replaced: nixcheck is stopping (${stopping})`);
    if (failures.length > 0) return { written: [], failures: [...failures, `the reports in ${dir} were left as they were`] };
    const written: string[] = [];
    for (const file of files) {
      const target = join(dir, file.name);
      try {
        renameSync(join(stage.path, file.name), target);
      } catch (err) {
        // A rename needs no space; this takes something like a directory in the file's place.
        const done = written.length ? `; already replaced: ${written.join(', ')}` : '';
        return { written, failures: [`cannot replace ${target}: ${(err as Error).message}${done}`] };
      }
      written.push(target);
    }
    return { written, failures: [] };
  } finally {
    await stage.remove().catch(() => {});
  }
}
