/**
 * One nixcheck run in a process of its own, for the benchmark (bench/run.ts), so that its
 * peak memory is measured apart from the benchmark's. Takes runTests' options as JSON
 * (argv[2]) and prints one JSON line with the peak resident memory of this process.
 */
import { runTests } from '../src/run/test-run.js';

const options = JSON.parse(process.argv[2]!) as Omit<Parameters<typeof runTests>[0], 'reporters'>;
await runTests({ ...options, reporters: [] });
process.stdout.write(`${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
