/** Building and running NixOS test drivers, parsing their logs (shared by integration, chaos and runtime checks). */
export { runVmTests, vmConcurrency, testMemoryMiB, readDriverLog, type RunVmOptions, type TestRun, type AttemptResult, type AttemptJudge } from './run.js';
export { parseDriverLog, machineLines, stripAnsi, type ParsedDriverLog, type StepMarks, type SubtestRecord, type ChaosEvent, type RuntimeRecord } from './parse-log.js';
export { outcomesFromMarkers, outcomesFromSubtests, testStatus, type StepOutcome } from './results.js';
export { ALLOWED_MACHINE_METHODS, MACHINE_METHOD_SOURCES, checkNodeName, pyStringLiteral } from './python.js';
export { renderTestNix, resolveNodesPlaceholder, nixStringLiteral, TEST_SYSTEM_FEATURES } from './nix.js';
export type { CompiledVmTest, FlakeCheckTest, RunnableTest, CompiledStep, ProgressEvent, ProgressCallback } from './types.js';
