/**
 * Chaos suites (suites/chaos/*.yaml): steady-state hypothesis, one fault, recovery deadline,
 * rollback; one NixOS VM test per scenario; resilience score per host.
 */
export { loadChaosSuites, loadChaosSuite, buildChaosSuite } from './load.js';
export { compileChaosScenario, OOM_KILL_TIMEOUT_S } from './compile.js';
export { runChaosScenarios, resilienceScores, scenarioOutcome, chaosCase, type ChaosRunOptions, type ChaosRunResult, type HostResilience, type ScenarioOutcome } from './run.js';
export type { ChaosScenario, FaultSpec, FaultKind, Probe, ProbeSpec, ProbeExpect } from './types.js';
