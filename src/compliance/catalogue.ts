/**
 * The control catalogue: every compliance/controls/*.yaml shipped with nixcheck plus the
 * users' own directories, validated (schema, attribute paths, regular expressions,
 * unique ids) with file:line:col for every problem.
 */
import { matcherProblems } from '../match/matchers.js';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compareText } from '../util/compare-text.js';
import { InputError, formatLocation, type SourceLocation } from '../util/errors.js';
import { packagePath } from '../util/package-root.js';
import { validatorFor } from '../util/schemas.js';
import { displayPath, loadYaml, type YamlSource } from '../util/yaml-source.js';
import { AttrPathError, parsePath } from '../suite/attr-path.js';
import type { PathSegment } from '../nix/request.js';
import { isPipeline, systemChange } from '../shell/command-shape.js';
import { NOT_RUNNABLE_EXIT_CODES, TIMEOUT_EXIT_CODES } from '../shell/check-command.js';
import {
  DEFAULT_IMPACT,
  type Check,
  type Control,
  type ControlMode,
  type ControlRefs,
  type DecisionCheck,
  type FixVariant,
  type Matchers,
  type PathCheck,
  type RuntimeCheck,
  type Severity,
} from './types.js';

export interface Catalogue {
  /** Built-in controls first (files in name order), then each extra directory's. */
  controls: Control[];
  byId: ReadonlyMap<string, Control>;
  /** The files read, in order. */
  files: string[];
}

export interface LoadCatalogueOptions {
  /** Extra directories (searched recursively for *.yaml / *.yml) or single files. */
  dirs?: readonly string[];
  /** Include nixcheck's own controls (default true). */
  builtin?: boolean;
}

type Problem = { location: SourceLocation; message: string };
type YamlPath = (string | number)[];

interface RawCheck {
  path?: string;
  anyOf?: RawCheck[];
  allOf?: RawCheck[];
  alternatives?: RawCheck[];
  whenAbsent?: unknown;
  whenAbsentNote?: string;
  ifDeclared?: boolean;
  [matcher: string]: unknown;
}

interface RawRuntimeCheck {
  command: string;
  expect: Matchers;
  exitCodes?: number[];
  printsValueOf?: string;
  unsafe?: boolean;
  description?: string;
}

interface RawControl {
  id: string;
  title: string;
  severity: Severity;
  impact?: number;
  rationale: string;
  remediation: string;
  fix: string | { releases: string; nix: string }[];
  manualCheck?: string;
  refs: ControlRefs;
  tags?: string[];
  appliesWhen?: RawCheck[];
  checks?: RawCheck[];
  runtime?: RawRuntimeCheck[];
  mode?: ControlMode;
}

export function builtinControlsDir(): string {
  return packagePath('compliance', 'controls');
}

/** Every *.yaml / *.yml under `dir` (recursively), sorted; a file path is returned as is. */
async function listYamlFiles(dir: string, what: string): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new InputError(`${what} directory ${displayPath(dir)} does not exist`);
  }
  if (info.isFile()) return [dir];
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => compareText(a.name, b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listYamlFiles(full, what)));
    else if (/\.ya?ml$/.test(e.name)) out.push(full);
  }
  return out;
}

/** The YAML files of a built-in directory (unless `builtin` is false) and of the user's directories. */
export async function yamlSources(
  builtinDir: string,
  options: { dirs?: readonly string[]; builtin?: boolean },
  what: string,
): Promise<{ file: string; builtin: boolean }[]> {
  const sources: { file: string; builtin: boolean }[] = [];
  if (options.builtin !== false) {
    for (const file of await listYamlFiles(builtinDir, what)) sources.push({ file, builtin: true });
  }
  for (const dir of options.dirs ?? []) {
    for (const file of await listYamlFiles(dir, what)) sources.push({ file, builtin: false });
  }
  return sources;
}

export async function loadCatalogue(options: LoadCatalogueOptions = {}): Promise<Catalogue> {
  const sources = await yamlSources(builtinControlsDir(), options, 'controls');
  const validate = validatorFor('control');
  const controls: Control[] = [];
  const problems: Problem[] = [];
  for (const { file, builtin } of sources) {
    const src = await loadYaml<{ controls: RawControl[] }>(file, validate, 'controls file');
    src.data.controls.forEach((raw, i) => controls.push(toControl(raw, src, ['controls', i], builtin, problems)));
  }
  const byId = new Map<string, Control>();
  for (const c of controls) {
    const first = byId.get(c.id);
    if (first) {
      problems.push({ location: first.location, message: `control "${c.id}" is first defined here` });
      problems.push({
        location: c.location,
        message: `duplicate control id "${c.id}" (already defined at ${formatLocation(first.location)})`,
      });
    } else byId.set(c.id, c);
  }
  if (problems.length > 0) throw new InputError('compliance controls are invalid', problems);
  return { controls, byId, files: sources.map((s) => s.file) };
}

/** The control with this id, or an InputError listing near matches. */
export function getControl(catalogue: Catalogue, id: string): Control {
  const c = catalogue.byId.get(id);
  if (c) return c;
  const near = [...catalogue.byId.keys()].filter((k) => k.includes(id) || id.includes(k)).slice(0, 5);
  throw new InputError(`unknown control "${id}"${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}`);
}

function toControl(raw: RawControl, src: YamlSource<unknown>, at: YamlPath, builtin: boolean, problems: Problem[]): Control {
  const checks = (raw.checks ?? []).map((c, i) => toCheck(c, src, [...at, 'checks', i], problems));
  const appliesWhen = (raw.appliesWhen ?? []).map((c, i) => toCheck(c, src, [...at, 'appliesWhen', i], problems));
  const runtime = (raw.runtime ?? []).map((r, i) => toRuntimeCheck(r, pathChecks(checks), src, [...at, 'runtime', i], problems));
  const mode: ControlMode =
    raw.mode ?? (checks.length > 0 ? (runtime.length > 0 ? 'static-runtime' : 'static') : runtime.length > 0 ? 'runtime' : 'manual');
  const fixes: FixVariant[] = typeof raw.fix === 'string' ? [{ nix: raw.fix }] : raw.fix;
  return {
    id: raw.id,
    title: raw.title,
    severity: raw.severity,
    impact: raw.impact ?? DEFAULT_IMPACT[raw.severity],
    rationale: raw.rationale,
    remediation: raw.remediation,
    fix: renderFix(fixes),
    fixes,
    ...(raw.manualCheck !== undefined ? { manualCheck: raw.manualCheck } : {}),
    refs: raw.refs,
    tags: raw.tags ?? [],
    appliesWhen,
    checks,
    runtime,
    mode,
    location: src.locate([...at, 'id']),
    builtin,
  };
}

function toRuntimeCheck(raw: RawRuntimeCheck, checks: readonly PathCheck[], src: YamlSource<unknown>, at: YamlPath, problems: Problem[]): RuntimeCheck {
  checkMatchers(raw.expect, src, [...at, 'expect'], problems);
  const exitCodes = raw.exitCodes ?? [0];
  const notAnswers = exitCodes.filter((code) => NOT_RUNNABLE_EXIT_CODES.includes(code) || TIMEOUT_EXIT_CODES.includes(code));
  if (notAnswers.length) {
    problems.push({ location: src.locate([...at, 'exitCodes']), message: `exit code ${notAnswers.join(', ')} is never an answer: 126 and 127 mean a command could not be found or run, 124 and 137 a timeout` });
  }
  if (raw.exitCodes && isPipeline(raw.command)) {
    problems.push({
      location: src.locate([...at, 'exitCodes']),
      message: 'exitCodes on a pipeline: with pipefail any stage could have exited with that code; make the pipeline exit 0 for every answer (awk instead of grep -c, say)',
    });
  }
  const change = raw.unsafe ? null : systemChange(raw.command);
  if (change) {
    problems.push({ location: src.locate([...at, 'command']), message: `this command changes the system (it ${change}): rewrite it to only read, or mark the check \`unsafe: true\` so it runs only in throwaway VMs` });
  }
  let printsValueOf: RuntimeCheck['printsValueOf'];
  if (raw.printsValueOf !== undefined) {
    const attrPath = parseOrReport(raw.printsValueOf, src, [...at, 'printsValueOf'], problems);
    if (attrPath && !checks.some((c) => JSON.stringify(c.attrPath) === JSON.stringify(attrPath))) {
      problems.push({ location: src.locate([...at, 'printsValueOf']), message: `printsValueOf "${raw.printsValueOf}" is not the path of one of this control's checks (${checks.map((c) => c.path).join(', ') || 'it has none'})` });
    }
    if (attrPath) printsValueOf = { path: raw.printsValueOf, attrPath };
  }
  return {
    command: raw.command,
    expect: raw.expect,
    exitCodes,
    ...(printsValueOf ? { printsValueOf } : {}),
    unsafe: raw.unsafe === true,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    location: src.locate(at),
  };
}

function parseOrReport(path: string, src: YamlSource<unknown>, at: YamlPath, problems: Problem[]): PathSegment[] | undefined {
  try {
    return parsePath(path);
  } catch (err) {
    if (!(err instanceof AttrPathError)) throw err;
    problems.push({ location: src.locate(at), message: `bad path: ${err.message}` });
    return undefined;
  }
}

/** One text for reports: each release's variant under a comment naming the releases. */
function renderFix(fixes: readonly FixVariant[]): string {
  return fixes.map((f) => (f.releases === undefined ? f.nix : `# nixpkgs ${f.releases}\n${f.nix}`)).join('\n');
}

const NON_MATCHER_KEYS = new Set(['path', 'whenAbsent', 'whenAbsentNote', 'ifDeclared']);

/** `vacuousAllowed`: false below anyOf and in alternatives, where an `ifDeclared` branch would decide. */
function toCheck(raw: RawCheck, src: YamlSource<unknown>, at: YamlPath, problems: Problem[], vacuousAllowed = true): Check {
  const location = src.locate(at);
  if (raw.anyOf) return { kind: 'anyOf', anyOf: raw.anyOf.map((c, i) => toCheck(c, src, [...at, 'anyOf', i], problems, false)), location };
  if (raw.allOf) return { kind: 'allOf', allOf: raw.allOf.map((c, i) => toCheck(c, src, [...at, 'allOf', i], problems, vacuousAllowed)), location };
  if (raw.alternatives) {
    // The schema allows only path checks here.
    const alternatives = raw.alternatives.map((c, i) => toPathCheck(c, src, [...at, 'alternatives', i], problems, false));
    return { kind: 'alternatives', alternatives, location };
  }
  return toPathCheck(raw, src, at, problems, vacuousAllowed);
}

function toPathCheck(raw: RawCheck, src: YamlSource<unknown>, at: YamlPath, problems: Problem[], vacuousAllowed: boolean): PathCheck {
  const location = src.locate(at);
  if (raw.ifDeclared && !vacuousAllowed) {
    problems.push({ location: src.locate([...at, 'ifDeclared']), message: 'ifDeclared is not allowed inside anyOf or alternatives: a check that holds vacuously would decide the verdict' });
  }
  const path = raw.path!;
  const attrPath = parseOrReport(path, src, [...at, 'path'], problems) ?? [];
  const matchers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!NON_MATCHER_KEYS.has(k)) matchers[k] = v;
  if (Object.keys(matchers).length === 0) {
    problems.push({ location, message: `check of "${path}" has no matcher (equals, contains, gte, ...)` });
  }
  checkMatchers(matchers as Matchers, src, at, problems);
  return {
    kind: 'path',
    path,
    attrPath,
    matchers: matchers as Matchers,
    ...('whenAbsent' in raw ? { whenAbsent: { value: raw.whenAbsent, note: raw.whenAbsentNote ?? '' } } : {}),
    ...(raw.ifDeclared ? { ifDeclared: true } : {}),
    location,
  };
}

/** Regular expressions in the matchers must compile; bounds must be numbers. */
function checkMatchers(m: Matchers, src: YamlSource<unknown>, at: YamlPath, problems: Problem[]): void {
  for (const bad of matcherProblems(m)) problems.push({ location: src.locate([...at, ...bad.path]), message: bad.message });
}

/** The checks below a group: anyOf/allOf branches, or the alternatives. */
export function branches(c: Exclude<Check, PathCheck>): readonly Check[] {
  return c.kind === 'anyOf' ? c.anyOf : c.kind === 'allOf' ? c.allOf : c.alternatives;
}

/** Every path check in a tree of checks (anyOf/allOf and alternatives flattened): every path to evaluate. */
export function pathChecks(checks: readonly Check[]): PathCheck[] {
  const out: PathCheck[] = [];
  const walk = (c: Check): void => {
    if (c.kind === 'path') out.push(c);
    else branches(c).forEach(walk);
  };
  checks.forEach(walk);
  return out;
}

/** The checks of a tree that get a result of their own: paths, and sets of alternatives as one. */
export function decisionChecks(checks: readonly Check[]): DecisionCheck[] {
  const out: DecisionCheck[] = [];
  const walk = (c: Check): void => {
    if (c.kind === 'path' || c.kind === 'alternatives') out.push(c);
    else branches(c).forEach(walk);
  };
  checks.forEach(walk);
  return out;
}
