/**
 * Runtime compliance checks: ONE NixOS VM test per host runs every check's command with
 * machine.execute(...) (the command line from src/shell/check-command.ts) and prints one
 * marker line per check:
 *   nixcheck-runtime {"controlId": ..., "index": ..., "exitCode": ..., "stdout": ...}
 * parseRuntimeCheckLog turns a driver log back into records; the compliance runner
 * applies the matchers. Run the compiled test with runVmTests (src/vm/driver/run.ts).
 */
import type { MatcherSpec } from '../../match/matchers.js';
import { DEFAULT_MEMORY_MIB, renderTestNix, sanitizeTestName, TEST_SYSTEM_FEATURES, type TestParamsBase } from '../driver/nix.js';
import { parseDriverLog, type RuntimeRecord } from '../driver/parse-log.js';
import { checkNodeName, pythonPrelude } from '../driver/python.js';
import { bootStatements, stepBlock } from '../driver/steps.js';
import type { CompiledVmTest } from '../driver/types.js';
import { DEFAULT_TEST_TIMEOUT_S } from '../integration/compile.js';
import type { SourceLocation } from '../../util/errors.js';
import { checkShellCommand } from '../../shell/check-command.js';

export interface RuntimeCheckInput {
  controlId: string;
  command: string;
  /** Passed through untouched (the compliance runner applies them). */
  expect?: MatcherSpec | Record<string, unknown>;
  location?: SourceLocation;
}

export interface RuntimeCheckOptions {
  flakeRef: string;
  /** Node name in the test (a Python identifier; default `machine`). */
  node?: string;
  memoryMiB?: number;
  /** Seconds each command may run (default 120). */
  commandTimeoutS?: number;
  timeoutS?: number;
}

export type { RuntimeRecord };

/** Compile one VM test for a host that runs every runtime check. */
export function compileRuntimeChecks(host: string, checks: readonly RuntimeCheckInput[], options: RuntimeCheckOptions): CompiledVmTest {
  const node = options.node ?? 'machine';
  const bad = checkNodeName(node);
  if (bad) throw new Error(bad);
  const name = sanitizeTestName(`nixcheck-runtime-${host}`);
  const location: SourceLocation = checks[0]?.location ?? { file: '(runtime checks)', line: 1, column: 1 };
  const timeoutS = options.timeoutS ?? DEFAULT_TEST_TIMEOUT_S;
  const params: TestParamsBase & Record<string, unknown> = {
    kind: 'runtime',
    name,
    flakeRef: options.flakeRef,
    globalTimeout: timeoutS,
    nodes: {
      [node]: {
        host,
        ...(options.memoryMiB !== undefined ? { memoryMiB: options.memoryMiB } : {}),
        packages: [],
        tmpfs: [],
        protectBackdoor: false,
        overrides: [],
      },
    },
    checks: checks.map((c, index) => ({ controlId: c.controlId, index, shell: checkShellCommand(c.command, options.commandTimeoutS ?? 120) })),
    steps: [{ title: `0. boot ${node} (${host}) to multi-user.target` }, { title: `1. run ${checks.length} runtime check(s)` }],
  };
  const python = [
    pythonPrelude(`runtime checks ${name}`, JSON.stringify(params)),
    '',
    ...stepBlock(0, bootStatements([node])),
    ...stepBlock(1, [
      'for check in PARAMS["checks"]:',
      '    try:',
      `        code, out = ${node}.execute(check["shell"])`,
      '        record = {"controlId": check["controlId"], "index": check["index"], "exitCode": code, "stdout": out[:OUTPUT_LIMIT], "truncated": len(out) > OUTPUT_LIMIT}',
      '    except Exception as e:',
      '        record = {"controlId": check["controlId"], "index": check["index"], "exitCode": None, "stdout": "", "error": str(e)}',
      '    print("nixcheck-runtime " + json.dumps(record), file=sys.stderr, flush=True)',
    ]),
    '',
  ].join('\n');
  return {
    kind: 'runtime',
    name,
    slug: name,
    nix: renderTestNix(params, python, `runtime checks "${name}"`),
    python,
    params,
    nodes: [{ name: node, host, memoryMiB: options.memoryMiB ?? DEFAULT_MEMORY_MIB }],
    steps: [
      { index: 0, kind: 'boot', title: (params['steps'] as { title: string }[])[0]!.title, location, node },
      { index: 1, kind: 'runtime', title: (params['steps'] as { title: string }[])[1]!.title, location, node },
    ],
    timeoutS,
    requiredSystemFeatures: [...TEST_SYSTEM_FEATURES],
  };
}

/** The runtime records in a driver log (ANSI codes and unrelated lines ignored). */
export function parseRuntimeCheckLog(log: string): RuntimeRecord[] {
  return parseDriverLog(log).runtime;
}
