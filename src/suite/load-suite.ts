import { basename, dirname, extname, resolve } from 'node:path';
import { MATCHER_KEYS, matcherProblems, pickMatchers } from '../match/matchers.js';
import { PRIORITY } from '../nix/request.js';
import { InputError, type SourceLocation } from '../util/errors.js';
import { validatorFor } from '../util/schemas.js';
import { displayPath, loadYaml, type YamlSource } from '../util/yaml-source.js';
import { normalizeRef } from '../target/nix-ref.js';
import { parseAttrPath, parsePath } from './attr-path.js';
import type { PathSegment } from '../nix/request.js';
import type { Suite, SuiteCase, TargetSpec } from './suite.js';

interface RawTarget {
  host?: string;
  flakeAttr?: string;
  file?: string;
  attr?: string;
  args?: Record<string, unknown>;
  modules?: string[];
  lib?: string;
  specialArgs?: Record<string, unknown>;
}

interface RawCase extends Record<string, unknown> {
  name: string;
  path?: string;
  attr?: string;
  target?: RawTarget;
  with?: Record<string, unknown>;
  withPriority?: 'normal' | 'force' | 'default';
  skip?: string;
}

interface RawSuite {
  suite?: string;
  targets?: RawTarget[];
  cases: RawCase[];
}

export async function loadSuite(file: string): Promise<Suite> {
  const source = await loadYaml<RawSuite>(file, validatorFor('suite'), 'suite');
  return buildSuite(source);
}

export function buildSuite(source: YamlSource<RawSuite>): Suite {
  const { data, locate } = source;
  const problems: { location: SourceLocation; message: string }[] = [];
  const suiteDir = dirname(source.file);
  // Paths relative to the suite become absolute, attribute paths are checked: a problem
  // is reported here, where its line is known.
  const resolveTarget = (t: RawTarget, at: (...key: (string | number)[]) => SourceLocation): TargetSpec => {
    const spec: TargetSpec = { ...t };
    if (t.file) spec.file = resolve(suiteDir, t.file);
    const checked = <T>(check: () => T, fallback: T, ...key: (string | number)[]): T => {
      try {
        return check();
      } catch (err) {
        problems.push({ location: at(...key), message: (err as Error).message });
        return fallback;
      }
    };
    for (const key of ['attr', 'flakeAttr'] as const) {
      const text = t[key];
      if (text !== undefined) checked(() => parseAttrPath(text), undefined, key);
    }
    if (t.modules) Object.assign(spec, { modules: t.modules.map((m, i) => checked(() => normalizeRef(m, suiteDir), m, 'modules', i)), suiteDir });
    if (t.lib) spec.lib = checked(() => normalizeRef(t.lib!, suiteDir), t.lib, 'lib');
    return spec;
  };
  const suiteTargets = (data.targets ?? []).map((t, i) => resolveTarget(t, (...key) => locate(['targets', i, ...key])));
  const cases: SuiteCase[] = [];

  data.cases.forEach((raw, index) => {
    const at = (...key: (string | number)[]) => locate(['cases', index, ...key]);
    const location = at('name');
    const root = raw.path !== undefined ? 'config' : 'attr';
    const pathText = (raw.path ?? raw.attr)!;
    // Stryker disable next-line ArrayDeclaration: kept only when parsing failed, and then the whole suite is rejected
    let path: PathSegment[] = [];
    try {
      path = parsePath(pathText);
    } catch (err) {
      problems.push({ location: at(root === 'config' ? 'path' : 'attr'), message: (err as Error).message });
    }
    const matchers = pickMatchers(raw);
    for (const problem of matcherProblems(matchers)) problems.push({ location: at(...problem.path), message: problem.message });
    let withConfig: Record<string, unknown> | null = null;
    if (raw.with) {
      try {
        withConfig = expandWith(raw.with);
      } catch (err) {
        problems.push({ location: at('with'), message: (err as Error).message });
      }
    }
    const targets = raw.target ? [resolveTarget(raw.target, (...key) => at('target', ...key))] : suiteTargets;
    if (targets.length === 0) {
      problems.push({ location, message: 'no target: add `targets:` to the suite or `target:` to the case' });
    }
    if (Object.keys(matchers).length === 0 && !raw.skip) {
      problems.push({ location, message: `no matcher: add one of ${MATCHER_KEYS.join(', ')}` });
    }
    cases.push({
      name: raw.name,
      location,
      root,
      path,
      pathText,
      targets,
      with: withConfig,
      withPriority: PRIORITY[raw.withPriority ?? 'normal'],
      ...(raw.skip ? { skip: raw.skip } : {}),
      matchers,
    });
  });

  if (problems.length > 0) throw new InputError(`suite ${displayPath(source.file)} has errors`, problems);
  return {
    file: source.file,
    displayFile: displayPath(source.file),
    name: data.suite ?? basename(source.file, extname(source.file)),
    cases,
  };
}

/** `with:` keys are attribute paths (`a.b."c.d"`); values are data. Build the nested set. */
export function expandWith(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const path = parseAttrPath(key);
    let node = out;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const existing = node[segment];
      if (last) {
        if (existing !== undefined) throw new Error(`\`with\` sets ${key} twice`);
        node[segment] = value;
        return;
      }
      if (existing === undefined) node[segment] = {};
      else if (existing === null || typeof existing !== 'object' || Array.isArray(existing)) {
        throw new Error(`\`with\` sets ${path.slice(0, i + 1).join('.')} and also something below it`);
      }
      node = node[segment] as Record<string, unknown>;
    });
  }
  return out;
}
