/**
 * The control catalogue: every compliance/controls/*.yaml shipped with nixcheck plus the
 * users' own directories, validated (schema, attribute paths, regular expressions,
 * unique ids) with file:line:col for every problem.
 */
import { invalidRegexes } from '../match/matchers.js';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, formatLocation, type SourceLocation } from '../util/errors.js';
import { packagePath } from '../util/package-root.js';
import { validatorFor } from '../util/schemas.js';
import { displayPath, loadYaml, type YamlSource } from '../util/yaml-source.js';
import { AttrPathError, parsePath } from '../suite/attr-path.js';
import type { PathSegment } from '../nix/request.js';
import {
  DEFAULT_IMPACT,
  type Check,
  type Control,
  type ControlMode,
  type ControlRefs,
  type Matchers,
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
  whenAbsent?: unknown;
  whenAbsentNote?: string;
  [matcher: string]: unknown;
}

interface RawControl {
  id: string;
  title: string;
  severity: Severity;
  impact?: number;
  rationale: string;
  remediation: string;
  fix: string;
  refs: ControlRefs;
  tags?: string[];
  appliesWhen?: RawCheck[];
  checks?: RawCheck[];
  runtime?: { command: string; expect: Matchers; description?: string }[];
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
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
  const runtime: RuntimeCheck[] = (raw.runtime ?? []).map((r, i) => {
    const where: YamlPath = [...at, 'runtime', i];
    checkRegexes(r.expect, src, [...where, 'expect'], problems);
    return {
      command: r.command,
      expect: r.expect,
      ...(r.description !== undefined ? { description: r.description } : {}),
      location: src.locate(where),
    };
  });
  const mode: ControlMode =
    raw.mode ?? (checks.length > 0 ? (runtime.length > 0 ? 'static-runtime' : 'static') : 'runtime');
  return {
    id: raw.id,
    title: raw.title,
    severity: raw.severity,
    impact: raw.impact ?? DEFAULT_IMPACT[raw.severity],
    rationale: raw.rationale,
    remediation: raw.remediation,
    fix: raw.fix,
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

const NON_MATCHER_KEYS = new Set(['path', 'whenAbsent', 'whenAbsentNote']);

function toCheck(raw: RawCheck, src: YamlSource<unknown>, at: YamlPath, problems: Problem[]): Check {
  const location = src.locate(at);
  if (raw.anyOf) return { kind: 'anyOf', anyOf: raw.anyOf.map((c, i) => toCheck(c, src, [...at, 'anyOf', i], problems)), location };
  if (raw.allOf) return { kind: 'allOf', allOf: raw.allOf.map((c, i) => toCheck(c, src, [...at, 'allOf', i], problems)), location };
  const path = raw.path!;
  let attrPath: PathSegment[] = [];
  try {
    attrPath = parsePath(path);
  } catch (err) {
    if (!(err instanceof AttrPathError)) throw err;
    problems.push({ location: src.locate([...at, 'path']), message: `bad path: ${err.message}` });
  }
  const matchers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!NON_MATCHER_KEYS.has(k)) matchers[k] = v;
  if (Object.keys(matchers).length === 0) {
    problems.push({ location, message: `check of "${path}" has no matcher (equals, contains, gte, ...)` });
  }
  checkRegexes(matchers as Matchers, src, at, problems);
  return {
    kind: 'path',
    path,
    attrPath,
    matchers: matchers as Matchers,
    ...('whenAbsent' in raw ? { whenAbsent: { value: raw.whenAbsent, note: raw.whenAbsentNote ?? '' } } : {}),
    location,
  };
}

/** Regular expressions in the matchers must compile. */
function checkRegexes(m: Matchers, src: YamlSource<unknown>, at: YamlPath, problems: Problem[]): void {
  for (const bad of invalidRegexes(m)) problems.push({ location: src.locate([...at, ...bad.path]), message: bad.message });
}

/** Every path check in a tree of checks (anyOf/allOf flattened). */
export function pathChecks(checks: readonly Check[]): Extract<Check, { kind: 'path' }>[] {
  const out: Extract<Check, { kind: 'path' }>[] = [];
  const walk = (c: Check): void => {
    if (c.kind === 'path') out.push(c);
    else for (const b of c.kind === 'anyOf' ? c.anyOf : c.allOf) walk(b);
  };
  checks.forEach(walk);
  return out;
}
