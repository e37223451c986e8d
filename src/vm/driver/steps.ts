/**
 * Python for the step kinds shared by integration tests and chaos rollbacks. Every user
 * value is read from S[<index>] (the JSON document); only node identifiers and step
 * indices are written into the code.
 */
import type { IntegrationStep } from '../integration/types.js';

const q = (index: number, key: string) => `S[${index}][${JSON.stringify(key)}]`;

function withTimeout(call: string, step: IntegrationStep, index: number): string {
  return 'timeout' in step && step.timeout !== undefined ? `${call.slice(0, -1)}, timeout=${q(index, 'timeout')})` : call;
}

/** The statements of one step (without the `with` line), unindented. */
export function stepStatements(step: IntegrationStep, index: number): string[] {
  switch (step.kind) {
    case 'waitForUnit':
      return [withTimeout(`${step.node}.wait_for_unit(${q(index, 'unit')})`, step, index)];
    case 'waitForOpenPort':
      return [withTimeout(`${step.node}.wait_for_open_port(${q(index, 'port')})`, step, index)];
    case 'waitForFile':
      // wait_for_file runs `test -e {filename}` unquoted: quote the path here.
      return [withTimeout(`${step.node}.wait_for_file(shlex.quote(${q(index, 'path')}))`, step, index)];
    case 'succeed':
      return [`_nc_output(${index}, ${withTimeout(`${step.node}.succeed(_nc_command(S[${index}]))`, step, index)})`];
    case 'fail':
      return [withTimeout(`${step.node}.fail(_nc_command(S[${index}]))`, step, index)];
    case 'waitUntilSucceeds':
      return [`_nc_output(${index}, ${withTimeout(`${step.node}.wait_until_succeeds(_nc_command(S[${index}]))`, step, index)})`];
    case 'reboot':
      // A clean reboot that works with every driver release: power off, boot again.
      return [`${step.node}.shutdown()`, `${step.node}.start()`, `${step.node}.wait_for_unit("multi-user.target")`];
    case 'crash':
      return [`${step.node}.crash()`, `${step.node}.start()`, `${step.node}.wait_for_unit("multi-user.target")`];
    case 'block':
      return [`${step.node}.block()`];
    case 'unblock':
      return [`${step.node}.unblock()`];
    case 'sleep':
      return [`time.sleep(${q(index, 'seconds')})`];
  }
}

/** `with subtest(title), _nc_step(i):` and the statements, indented. */
export function stepBlock(index: number, statements: string[], indent = ''): string[] {
  return [
    `${indent}with subtest(S[${index}]["title"]), _nc_step(${index}):`,
    ...statements.map((s) => `${indent}    ${s}`),
  ];
}

/** The boot step: start every node, wait for multi-user.target on each. */
export function bootStatements(nodes: readonly string[]): string[] {
  return [...nodes.map((n) => `${n}.start()`), ...nodes.map((n) => `${n}.wait_for_unit("multi-user.target")`)];
}
