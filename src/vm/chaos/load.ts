import { basename, extname } from 'node:path';
import { InputError, type SourceLocation } from '../../util/errors.js';
import { globFiles } from '../../util/glob.js';
import { validatorFor } from '../../util/schemas.js';
import { displayPath, loadYaml, type YamlSource } from '../../util/yaml-source.js';
import { buildStep, buildTestBase, type RawNode } from '../integration/load.js';
import { userRegexProblem } from '../../match/user-regex.js';
import { FAULT_KINDS, type ChaosScenario, type FaultSpec, type Probe, type ProbeExpect, type ProbeSpec } from './types.js';

type Problem = { location: SourceLocation; message: string };

interface RawScenario {
  name: string;
  description?: string;
  nodes: Record<string, RawNode>;
  weight?: number;
  steadyState: { probes: Record<string, unknown>[]; settle?: number };
  fault: Record<string, Record<string, unknown>>;
  recoveryDeadline: number;
  rollback?: Record<string, unknown>[];
  timeout?: number;
  skip?: string;
}

interface RawChaosSuite {
  suite?: string;
  scenarios: RawScenario[];
}

const PROBE_KINDS = ['unitActive', 'portOpen', 'httpStatus', 'command'] as const;
export const FIRST_ROLLBACK_INDEX = 4;

export async function loadChaosSuites(globs: readonly string[], cwd: string): Promise<ChaosScenario[]> {
  const files = new Set<string>();
  for (const g of globs) for (const f of await globFiles(g, cwd)) files.add(f);
  const out: ChaosScenario[] = [];
  for (const file of [...files].sort()) out.push(...(await loadChaosSuite(file)));
  return out;
}

export async function loadChaosSuite(file: string): Promise<ChaosScenario[]> {
  return buildChaosSuite(await loadYaml<RawChaosSuite>(file, validatorFor('chaos'), 'chaos suite'));
}

function probeTitle(p: ProbeSpec): string {
  switch (p.kind) {
    case 'unitActive':
      return `${p.node}: unit ${p.unit} is active`;
    case 'portOpen':
      return p.target ? `${p.node}: port ${p.port} of ${p.target} accepts connections` : `${p.node}: port ${p.port} accepts connections`;
    case 'httpStatus':
      return `${p.node}: ${p.url} answers HTTP ${p.status}`;
    case 'command':
      return `${p.node}: ${p.command.replace(/\s+/g, ' ').slice(0, 60)}`;
  }
}

/** `matches` in a probe expectation (and under `not`) must be a regex nixcheck can run. */
function probeRegexProblems(expect: ProbeExpect, at: string[] = []): { path: string[]; message: string }[] {
  const problem = expect.matches !== undefined ? userRegexProblem(expect.matches) : undefined;
  return [
    ...(problem ? [{ path: [...at, 'matches'], message: `${['expect', ...at, 'matches'].join('.')} is ${problem}` }] : []),
    ...(expect.not ? probeRegexProblems(expect.not, [...at, 'not']) : []),
  ];
}

export function buildChaosSuite(source: YamlSource<RawChaosSuite>): ChaosScenario[] {
  const { data, locate } = source;
  const shown = displayPath(source.file);
  const suite = data.suite ?? basename(source.file, extname(source.file));
  const problems: Problem[] = [];
  const names = new Set<string>();
  const scenarios = data.scenarios.map((raw, s): ChaosScenario => {
    const at = (...p: (string | number)[]) => locate(['scenarios', s, ...p]);
    const base = buildTestBase(raw, { name: suite, file: shown }, at, names, 'scenarios', problems);
    const nodeNames = new Set(base.nodes.map((n) => n.name));
    const checkNode = (node: string | undefined, where: (string | number)[], what = 'node') => {
      if (node !== undefined && !nodeNames.has(node)) {
        problems.push({ location: at(...where), message: `unknown ${what} "${node}" (nodes: ${[...nodeNames].join(', ')})` });
      }
    };
    const probes = raw.steadyState.probes.map((rawProbe, i): Probe => {
      const kind = PROBE_KINDS.find((k) => k in rawProbe)!;
      const spec = { kind, ...(rawProbe[kind] as object) } as ProbeSpec;
      checkNode(spec.node, ['steadyState', 'probes', i, kind, 'node']);
      if ('target' in spec) checkNode(spec.target, ['steadyState', 'probes', i, kind, 'target'], 'target node');
      if (spec.kind === 'command' && spec.expect) {
        for (const bad of probeRegexProblems(spec.expect)) problems.push({ location: at('steadyState', 'probes', i, kind, 'expect', ...bad.path), message: bad.message });
      }
      const title = typeof rawProbe['name'] === 'string' ? (rawProbe['name'] as string) : probeTitle(spec);
      return { ...spec, title, location: at('steadyState', 'probes', i) };
    });
    const faultKind = FAULT_KINDS.find((k) => k in raw.fault)!;
    const body = raw.fault[faultKind]!;
    const fault = {
      kind: faultKind,
      ...body,
      ...(faultKind === 'diskFull' ? { sizeMiB: (body['sizeMiB'] as number | undefined) ?? 64 } : {}),
      ...(faultKind === 'serviceKill' ? { signal: (body['signal'] as string | undefined) ?? 'KILL' } : {}),
      location: at('fault', faultKind),
    } as FaultSpec & { location: SourceLocation };
    checkNode(fault.node, ['fault', faultKind, 'node']);
    const rollback = (raw.rollback ?? []).map((r, i) =>
      buildStep(r, FIRST_ROLLBACK_INDEX + i, locate, ['scenarios', s, 'rollback', i], nodeNames, problems),
    );
    return {
      ...base,
      weight: raw.weight ?? 1,
      probes,
      settleS: raw.steadyState.settle ?? 120,
      fault,
      recoveryDeadlineS: raw.recoveryDeadline,
      rollback,
    };
  });
  if (problems.length > 0) throw new InputError(`chaos suite ${shown} has errors`, problems);
  return scenarios;
}
