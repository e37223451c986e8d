/**
 * The CI mutation check: mutation testing of the configured files (stryker.config.json,
 * `mutate`) that changed since the merge base with the main line, each of which must
 * reach the minimum score (scripts/mutation-scores.ts). A test file of the mutation test
 * set (vitest.mutate.config.ts) that changed brings in the source files it imports. When
 * nothing relevant changed it says so and passes; the run is bounded in time.
 *
 *   tsx scripts/mutate-changed.ts [--base REF] [--max-minutes 15]
 *
 * Exit 0: every checked file reaches the minimum (or none changed); 1: one does not, or
 * the run did not finish in time; 2: the check could not run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { globToRegExp } from '../src/util/glob.js';
import { checkScores, DEFAULT_MIN_SCORE, parseReport } from './mutation-scores.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = 'reports/mutation/changed';

/** Refs tried for the main line, in order: a clone has origin/HEAD. */
export const MAIN_LINE_REFS = ['origin/HEAD', 'origin/main', 'origin/master', 'main', 'master'];

/** Files of `changed` that `patterns` (Stryker's `mutate`: paths and globs, `!` excludes) select. */
export function selectMutated(changed: readonly string[], patterns: readonly string[]): string[] {
  const include = patterns.filter((p) => !p.startsWith('!')).map((p) => globToRegExp(stripLines(p)));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(stripLines(p.slice(1))));
  return [...new Set(changed)].filter((f) => include.some((re) => re.test(f)) && !exclude.some((re) => re.test(f))).sort();
}

/** `src/a.ts:10-20` mutates lines of a file; the file is what changed. */
function stripLines(pattern: string): string {
  return pattern.replace(/:\d+(:\d+)?-\d+(:\d+)?$/, '');
}

/** The repository files a test imports by relative path (`../../src/match/matchers.js` -> `src/match/matchers.ts`). */
export function importedSources(testFile: string, text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const path = posix.normalize(posix.join(posix.dirname(testFile), m[1]!));
    found.add(path.replace(/\.js$/, '.ts'));
  }
  return [...found].sort();
}

/** Stryker's options for a run over `files` only, written apart from the full run's. */
export function optionsForChanged(config: Record<string, unknown>, files: readonly string[], out = OUT): Record<string, unknown> {
  return {
    ...config,
    mutate: [...files],
    incrementalFile: `${out}/stryker-incremental.json`,
    reporters: ['clear-text', 'progress-append-only', 'json'],
    jsonReporter: { fileName: `${out}/mutation.json` },
  };
}

async function git(args: string[]): Promise<string | undefined> {
  const r = await execa('git', args, { cwd: ROOT, reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** The merge base with the first main-line ref there is, or undefined. */
async function mergeBase(explicit: string | undefined): Promise<{ ref: string; commit: string } | undefined> {
  for (const ref of explicit ? [explicit] : MAIN_LINE_REFS) {
    const commit = await git(['merge-base', 'HEAD', ref]);
    if (commit) return { ref, commit };
    if (explicit) throw new Error(`no merge base between HEAD and ${explicit}`);
  }
  return undefined;
}

/** Files changed since `base` (committed or not), or those of the last commit when there is no base. */
async function changedFiles(base: string | undefined): Promise<string[]> {
  const out = base ? await git(['diff', '--name-only', base]) : await git(['diff-tree', '--root', '--no-commit-id', '--name-only', '-r', 'HEAD']);
  if (out === undefined) throw new Error('git cannot list the changed files');
  return out.split('\n').filter((l) => l !== '');
}

/** Changed files, plus the sources imported by changed tests of the mutation test set. */
function withTestedSources(changed: readonly string[]): string[] {
  const tests = new Set(mutationTestFiles());
  const extra = changed.filter((f) => tests.has(f)).flatMap((f) => importedSources(f, readFileSync(join(ROOT, f), 'utf8')));
  return [...changed, ...extra];
}

function mutationTestFiles(): string[] {
  const text = readFileSync(join(ROOT, 'vitest.mutate.config.ts'), 'utf8');
  return [...text.matchAll(/'(test\/[^']+\.test\.ts)'/g)].map((m) => normalize(m[1]!));
}

interface Args {
  base?: string;
  maxMinutes: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { maxMinutes: 15 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--base' && value !== undefined) args.base = value;
    else if (argv[i] === '--max-minutes' && value !== undefined && Number(value) > 0) args.maxMinutes = Number(value);
    else throw new Error(`usage: mutate-changed.ts [--base REF] [--max-minutes N] (got ${JSON.stringify(argv[i])})`);
    i++;
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const config = JSON.parse(readFileSync(join(ROOT, 'stryker.config.json'), 'utf8')) as Record<string, unknown> & { mutate: string[] };
  const base = await mergeBase(args.base);
  if (base) console.log(`mutation check: files changed since the merge base with ${base.ref} (${base.commit.slice(0, 12)})`);
  else console.log(`mutation check: no main line (${MAIN_LINE_REFS.join(', ')}) to compare with; checking the files of the last commit`);
  const files = selectMutated(withTestedSources(await changedFiles(base?.commit)), config.mutate);
  if (files.length === 0) {
    console.log('mutation check: no mutated file changed, nothing to check');
    return 0;
  }
  console.log(`mutation check: ${files.join(', ')} (at most ${args.maxMinutes} minutes)`);
  const configFile = join(ROOT, OUT, 'stryker.config.json');
  mkdirSync(dirname(configFile), { recursive: true });
  writeFileSync(configFile, JSON.stringify(optionsForChanged(config, files), null, 2));
  // Its own process group, so that a timeout ends Stryker's workers too.
  const run = execa('npx', ['stryker', 'run', configFile], { cwd: ROOT, stdio: 'inherit', detached: true, reject: false });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (run.pid !== undefined) process.kill(-run.pid, 'SIGTERM');
  }, args.maxMinutes * 60_000);
  const result = await run;
  clearTimeout(timer);
  if (timedOut) {
    console.log(`mutation check: stopped after ${args.maxMinutes} minutes, before every mutant was tested; run \`npm run mutate\` locally`);
    return 1;
  }
  if (result.exitCode !== 0) throw new Error(`stryker exited with ${result.exitCode ?? result.signal}`);
  const reportFile = join(ROOT, OUT, 'mutation.json');
  return checkScores(parseReport(readFileSync(reportFile, 'utf8'), reportFile), { min: DEFAULT_MIN_SCORE, files }, (line) => console.log(line));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      console.error(`mutation check: ${err.message}`);
      process.exitCode = 2;
    },
  );
}
