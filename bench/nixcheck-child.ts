/**
 * One nixcheck run in a process of its own, for the benchmark (bench/run.ts), so its
 * peak memory and its Nix processes can be measured apart from the benchmark's. Takes
 * runTests' options as JSON (argv[2]) and prints one JSON line: the time of the API
 * call (what a test runner would see), the peak resident memory of this process, the
 * summary and every case's verdict.
 */
import { runTests } from '../src/run/test-run.js';

const options = JSON.parse(process.argv[2]!) as Omit<Parameters<typeof runTests>[0], 'reporters'>;
const started = performance.now();
const result = await runTests({ ...options, reporters: [] });
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    summary: result.summary,
    verdicts: Object.fromEntries(result.cases.map((c) => [c.name, c.verdict])),
    nixStarted: result.evaluations.some((e) => e.processes > 0),
  })}\n`,
);
