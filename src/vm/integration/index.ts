/**
 * Integration suites: NixOS VM tests of the flake's hosts (suites/integration/*.yaml).
 *
 *   const tests = await loadIntegrationSuites(['suites/integration/*.yaml'], cwd);
 *   const cases = await runIntegrationTests(tests, { flakeRef, outDir: 'reports/vm' });
 */
export { loadIntegrationSuites, loadIntegrationSuite, buildIntegrationSuite, defaultStepTitle } from './load.js';
export { compileIntegrationTest, DEFAULT_TEST_TIMEOUT_S, type CompileOptions } from './compile.js';
export { runIntegrationTests, runIntegrationTestsByTest, vmTestDurations, vmTestId, flakeCheck, integrationCases, integrationOutcomes, type IntegrationRunOptions } from './run.js';
export type { IntegrationTest, IntegrationStep, StepSpec, StepKind, VmNode } from './types.js';
export type { CompiledVmTest, FlakeCheckTest, RunnableTest, ProgressEvent, ProgressCallback } from '../driver/types.js';
