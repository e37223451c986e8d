import { DEFAULT_MEMORY_MIB, renderTestNix, sanitizeTestName, TEST_SYSTEM_FEATURES, type NodeParams, type TestParamsBase } from '../driver/nix.js';
import { pythonPrelude } from '../driver/python.js';
import { bootStatements, stepBlock, stepStatements } from '../driver/steps.js';
import type { CompiledStep, CompiledVmTest } from '../driver/types.js';
import type { IntegrationTest, VmNode } from './types.js';

export interface CompileOptions {
  /** What builtins.getFlake receives (an absolute path or a flake URL). */
  flakeRef: string;
}

export const DEFAULT_TEST_TIMEOUT_S = 1800;

export function nodeParams(node: VmNode, extra: Partial<NodeParams> = {}): NodeParams {
  return {
    host: node.host,
    ...(node.memoryMiB !== undefined ? { memoryMiB: node.memoryMiB } : {}),
    packages: [...new Set([...node.packages, ...(extra.packages ?? [])])],
    tmpfs: extra.tmpfs ?? [],
    protectBackdoor: extra.protectBackdoor ?? false,
    overrides: node.with,
  };
}

export function slugFor(suite: string, name: string): string {
  return sanitizeTestName(`${suite}-${name}`);
}

/** Compile one integration test into a Nix file and a Python test script. */
export function compileIntegrationTest(test: IntegrationTest, options: CompileOptions): CompiledVmTest {
  const name = sanitizeTestName(`nixcheck-${test.suite}-${test.name}`);
  const timeoutS = test.timeoutS ?? DEFAULT_TEST_TIMEOUT_S;
  const nodeNames = test.nodes.map((n) => n.name);
  const boot: CompiledStep = {
    index: 0,
    kind: 'boot',
    title: `0. boot ${nodeNames.join(', ')} to multi-user.target`,
    location: test.location,
  };
  const steps: CompiledStep[] = [
    boot,
    ...test.steps.map((s) => ({ index: s.index, kind: s.kind, title: s.title, location: s.location, ...('node' in s ? { node: s.node } : {}) })),
  ];
  const params: TestParamsBase & { kind: 'integration'; test: string; steps: Record<string, unknown>[] } = {
    kind: 'integration',
    name,
    test: test.name,
    flakeRef: options.flakeRef,
    globalTimeout: timeoutS,
    nodes: Object.fromEntries(test.nodes.map((n) => [n.name, nodeParams(n)])),
    steps: [
      { title: boot.title },
      ...test.steps.map(({ location: _location, ...s }) => s as unknown as Record<string, unknown>),
    ],
  };
  const python = [
    pythonPrelude(`integration test ${name}`, JSON.stringify(params)),
    '',
    ...stepBlock(0, bootStatements(nodeNames)),
    ...test.steps.flatMap((s) => stepBlock(s.index, stepStatements(s, s.index))),
    '',
  ].join('\n');
  return {
    kind: 'integration',
    name,
    slug: slugFor(test.suite, test.name),
    nix: renderTestNix(params, python, `integration test "${name}"`),
    python,
    params,
    nodes: test.nodes.map((n) => ({ name: n.name, host: n.host, memoryMiB: n.memoryMiB ?? DEFAULT_MEMORY_MIB })),
    steps,
    timeoutS,
    ...(test.retries !== undefined ? { retries: test.retries } : {}),
    requiredSystemFeatures: [...TEST_SYSTEM_FEATURES],
  };
}
