import { basename, extname } from 'node:path';
import { matcherProblems, pickMatchers, type MatcherSpec } from '../../match/matchers.js';
import { PRIORITY } from '../../nix/request.js';
import { parseAttrPath } from '../../suite/attr-path.js';
import { expandWith } from '../../suite/load-suite.js';
import { InputError, type SourceLocation } from '../../util/errors.js';
import { globFiles } from '../../util/glob.js';
import { validatorFor } from '../../util/schemas.js';
import { displayPath, loadYaml, type YamlSource } from '../../util/yaml-source.js';
import type { WithDefinition } from '../driver/nix.js';
import { checkNodeName } from '../driver/python.js';
import { STEP_KINDS, type IntegrationStep, type IntegrationTest, type StepSpec, type VmNode, type VmTestBase } from './types.js';

type Problem = { location: SourceLocation; message: string };
type Locate = (path: readonly (string | number)[]) => SourceLocation;

export interface RawNode {
  host: string;
  with?: Record<string, unknown>;
  withPriority?: 'normal' | 'force' | 'default';
  memoryMiB?: number;
  packages?: string[];
}

interface RawTest {
  name: string;
  description?: string;
  nodes: Record<string, RawNode>;
  timeout?: number;
  retries?: number;
  skip?: string;
  steps: Record<string, unknown>[];
}

interface RawSuite {
  suite?: string;
  tests: RawTest[];
}

/** Load every integration suite matched by the globs (relative to cwd), in file order. */
export async function loadIntegrationSuites(globs: readonly string[], cwd: string): Promise<IntegrationTest[]> {
  const files = new Set<string>();
  for (const g of globs) for (const f of await globFiles(g, cwd)) files.add(f);
  const tests: IntegrationTest[] = [];
  for (const file of [...files].sort()) tests.push(...(await loadIntegrationSuite(file)));
  return tests;
}

export async function loadIntegrationSuite(file: string): Promise<IntegrationTest[]> {
  const source = await loadYaml<RawSuite>(file, validatorFor('integration'), 'integration suite');
  return buildIntegrationSuite(source);
}

export function buildIntegrationSuite(source: YamlSource<RawSuite>): IntegrationTest[] {
  const { data, locate } = source;
  const shown = displayPath(source.file);
  const suiteName = data.suite ?? basename(source.file, extname(source.file));
  const problems: Problem[] = [];
  const names = new Set<string>();
  const tests = data.tests.map((raw, t): IntegrationTest => {
    const at = (...p: (string | number)[]) => locate(['tests', t, ...p]);
    const base = buildTestBase(raw, { name: suiteName, file: shown }, at, names, 'tests', problems);
    const nodeNames = new Set(base.nodes.map((n) => n.name));
    const steps = raw.steps.map((rawStep, i) => buildStep(rawStep, i + 1, locate, ['tests', t, 'steps', i], nodeNames, problems));
    return { ...base, steps, ...(raw.retries !== undefined ? { retries: raw.retries } : {}) };
  });
  if (problems.length > 0) throw new InputError(`integration suite ${shown} has errors`, problems);
  return tests;
}

/**
 * The part every VM test of a suite shares: its name (unique in the file), location,
 * nodes, timeout and skip reason. `at` locates keys of this test in the YAML.
 */
export function buildTestBase(
  raw: { name: string; description?: string; nodes: Record<string, RawNode>; timeout?: number; skip?: string },
  suite: { name: string; file: string },
  at: (...p: (string | number)[]) => SourceLocation,
  names: Set<string>,
  what: string,
  problems: Problem[],
): VmTestBase {
  if (names.has(raw.name)) problems.push({ location: at('name'), message: `two ${what} are named "${raw.name}"` });
  names.add(raw.name);
  return {
    suite: suite.name,
    suiteFile: suite.file,
    name: raw.name,
    ...(raw.description ? { description: raw.description } : {}),
    location: at('name'),
    nodes: buildNodes(raw.nodes, (...p) => at('nodes', ...p), problems),
    ...(raw.timeout !== undefined ? { timeoutS: raw.timeout } : {}),
    ...(raw.skip ? { skip: raw.skip } : {}),
  };
}

/** Nodes of a test or scenario: names checked, `with:` expanded into definitions. */
export function buildNodes(
  raw: Record<string, RawNode>,
  at: (...p: (string | number)[]) => SourceLocation,
  problems: Problem[],
): VmNode[] {
  return Object.entries(raw).map(([name, node]) => {
    const bad = checkNodeName(name);
    if (bad) problems.push({ location: at(name), message: bad });
    return {
      name,
      host: node.host,
      with: withDefinitions(node, () => at(name, 'with'), problems),
      ...(node.memoryMiB !== undefined ? { memoryMiB: node.memoryMiB } : {}),
      packages: node.packages ?? [],
      location: at(name),
    };
  });
}

function withDefinitions(node: RawNode, at: () => SourceLocation, problems: Problem[]): WithDefinition[] {
  if (!node.with) return [];
  try {
    expandWith(node.with); // reports a path set twice, or set and also below
    const priority = PRIORITY[node.withPriority ?? 'normal'];
    return Object.entries(node.with).map(([key, value]) => ({ path: parseAttrPath(key), value, priority }));
  } catch (err) {
    problems.push({ location: at(), message: (err as Error).message });
    return [];
  }
}

function oneLine(s: string, max = 72): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function defaultStepTitle(spec: StepSpec): string {
  const on = (s: string) => ('target' in spec && spec.target ? `${s} (target ${spec.target})` : s);
  switch (spec.kind) {
    case 'waitForUnit':
      return `${spec.node}: wait for unit ${spec.unit}`;
    case 'waitForOpenPort':
      return `${spec.node}: wait for port ${spec.port}`;
    case 'waitForFile':
      return `${spec.node}: wait for file ${spec.path}`;
    case 'succeed':
      return on(`${spec.node}: ${oneLine(spec.command)}`);
    case 'fail':
      return on(`${spec.node}: must fail: ${oneLine(spec.command)}`);
    case 'waitUntilSucceeds':
      return on(`${spec.node}: wait until succeeds: ${oneLine(spec.command)}`);
    case 'sleep':
      return `sleep ${spec.seconds}s`;
    default:
      return `${spec.node}: ${spec.kind}`;
  }
}

/** One step of a test (also used for chaos rollbacks). */
export function buildStep(
  raw: Record<string, unknown>,
  index: number,
  locate: Locate,
  path: (string | number)[],
  nodeNames: ReadonlySet<string>,
  problems: Problem[],
): IntegrationStep {
  const kind = STEP_KINDS.find((k) => k in raw)!;
  const body = raw[kind];
  const spec = (kind === 'sleep' ? { kind, seconds: body as number } : { kind, ...(body as object) }) as StepSpec;
  if ('expect' in spec && spec.expect) {
    const expect = pickMatchers(spec.expect as Record<string, unknown>) as MatcherSpec;
    for (const problem of matcherProblems(expect, ['expect'])) problems.push({ location: locate([...path, kind, ...problem.path]), message: problem.message });
    if (expect.throws !== undefined) problems.push({ location: locate([...path, kind, 'expect', 'throws']), message: '`throws` makes no sense for command output' });
  }
  if ('node' in spec && !nodeNames.has(spec.node)) {
    problems.push({ location: locate([...path, kind, 'node']), message: `unknown node "${spec.node}" (nodes: ${[...nodeNames].join(', ')})` });
  }
  if ('target' in spec && spec.target !== undefined && !nodeNames.has(spec.target)) {
    problems.push({ location: locate([...path, kind, 'target']), message: `unknown target node "${spec.target}" (nodes: ${[...nodeNames].join(', ')})` });
  }
  const custom = typeof raw['name'] === 'string' ? (raw['name'] as string) : undefined;
  return { ...spec, index, title: `${index}. ${oneLine(custom ?? defaultStepTitle(spec), 100)}`, location: locate(path) };
}
