import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { COMPLIANCE_FORMATS, writeComplianceReports, type ComplianceFormat } from '../../compliance/report/index.js';
import { formatComplianceTerminal } from '../../compliance/report/compliance-terminal.js';
import type { ComplianceResult } from '../../compliance/run-comply.js';
import type { RunResult } from '../../result/model.js';
import { writeReports } from '../../run/test-run.js';
import { COST_RECORD_FILE, measuredDurations, roundDurations, writeCostRecord, type CostRecord, type Durations } from '../../shard/cost-record.js';
import { mergeComplianceResults } from '../../shard/merge-compliance.js';
import { mergeRunResults, unitCaseTarget, vmCaseTarget } from '../../shard/merge-run.js';
import { entriesByTarget, usedCosts, type ShardFile } from '../../shard/shard-set.js';
import { EXIT, InputError } from '../../util/errors.js';
import { validatorFor } from '../../util/schemas.js';
import { displayPath } from '../../util/yaml-source.js';
import { vmTestDurations } from '../../vm/integration/index.js';
import { listFlag, type Command } from '../command.js';
import { exitCodeFor, reportersFor } from './test.js';
import { vmExitCode, vmReporters } from './vm.js';

/** The result files merge-reports looks for in each directory, with their schemas. */
const INPUTS = { test: ['results.json', 'results'], comply: ['compliance.json', 'compliance'], vm: ['vm-results.json', 'results'] } as const;
type InputKind = keyof typeof INPUTS;

export const mergeReportsCommand: Command = {
  name: 'merge-reports',
  summary: 'combine the report directories of `--shard i/n` runs into the reports of one run',
  usage: 'nixcheck merge-reports DIR... [--out DIR] [--reporter NAME]... [--format F]...',
  flags: [
    { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'Where the merged reports and shard-costs.json go. Default: reports/.' },
    { name: 'config', short: 'c', type: 'string', value: 'FILE', description: 'Configuration file. Default: ./nixcheck.yaml when present.' },
    {
      name: 'reporter',
      short: 'r',
      type: 'string',
      multiple: true,
      value: 'NAME',
      description: 'For the test results: terminal, junit, json, github (repeatable). Default: `reporters` in nixcheck.yaml, else terminal, junit, json.',
    },
    { name: 'format', type: 'string', multiple: true, value: 'F', description: `For the compliance results: ${Object.keys(COMPLIANCE_FORMATS).join(', ')}. Default: all.` },
  ],
  async run(values, positionals) {
    if (positionals.length === 0) throw new InputError(`no report directories: usage: ${mergeReportsCommand.usage}`);
    const config = await loadConfig(values.config as string | undefined);
    const cwd = process.cwd();
    const outDir = values.out ? resolve(cwd, values.out as string) : config.out;
    const reporters = reportersFor(listFlag(values.reporter) ?? config.reporters ?? ['terminal', 'junit', 'json']);
    const formats = (listFlag(values.format) ?? Object.keys(COMPLIANCE_FORMATS)) as ComplianceFormat[];
    const unknown = formats.filter((f) => !(f in COMPLIANCE_FORMATS));
    if (unknown.length) throw new InputError(`unknown format ${unknown.join(', ')}; known: ${Object.keys(COMPLIANCE_FORMATS).join(', ')}`);

    const inputs = await readInputs(positionals.map((d) => resolve(cwd, d)));
    // Everything is checked and merged before anything is written.
    const test = inputs.test.length ? mergeRunResults(inputs.test as ShardFile<RunResult>[], 'results.json files', unitCaseTarget) : undefined;
    const comply = inputs.comply.length ? mergeComplianceResults(inputs.comply as ShardFile<ComplianceResult>[]) : undefined;
    const vm = inputs.vm.length ? mergeRunResults(inputs.vm as ShardFile<RunResult>[], 'vm-results.json files', vmCaseTarget) : undefined;

    const costs: CostRecord = { version: 1, costs: {} };
    const failures: string[] = [];
    const codes: number[] = [EXIT.ok];
    if (test) {
      costs.costs.test = carried(usedCosts(test.shards), measuredDurations(test.result.evaluations));
      failures.push(...(await writeReports(test.result, reporters, outDir)).failures);
      codes.push(exitCodeFor(test.result));
    }
    if (comply) {
      costs.costs.comply = carried(usedCosts(comply.shards), measuredDurations(comply.result.evaluations));
      failures.push(...(await writeComplianceReports(comply.result, outDir, formats)).failures);
      process.stdout.write(formatComplianceTerminal(comply.result));
      codes.push(comply.result.gate.failed ? EXIT.failures : EXIT.ok);
    }
    if (vm) {
      const tests = entriesByTarget(vm.shards, (r) => r.cases, vmCaseTarget).map((t) => ({ id: t.id, cases: t.entries }));
      costs.costs.vm = carried(usedCosts(vm.shards), vmTestDurations(tests));
      failures.push(...(await writeReports(vm.result, vmReporters('vm'), outDir)).failures);
      codes.push(vmExitCode(vm.result));
    }
    try {
      await writeCostRecord(join(outDir, COST_RECORD_FILE), costs);
    } catch (err) {
      failures.push(`shard costs: ${(err as Error).message}`);
    }
    for (const note of [test, comply, vm].flatMap((m) => m?.notes ?? [])) process.stderr.write(`nixcheck: note: ${note}\n`);
    for (const f of failures) process.stderr.write(`nixcheck: ${f}\n`);
    return failures.length ? EXIT.infrastructure : Math.max(...codes);
  },
};

/** The costs the shards split by, updated with what this run measured. */
function carried(used: Durations, measured: Durations): Durations {
  return { ...roundDurations(used), ...roundDurations(measured) };
}

/** Each directory's result files, parsed and checked against their schemas. */
async function readInputs(dirs: readonly string[]): Promise<Record<InputKind, ShardFile<unknown>[]>> {
  const found: Record<InputKind, ShardFile<unknown>[]> = { test: [], comply: [], vm: [] };
  for (const dir of dirs) {
    const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new InputError(`${displayPath(dir)} is not a directory: give the report directories of the shards`);
    let any = false;
    for (const kind of Object.keys(INPUTS) as InputKind[]) {
      const [name, schema] = INPUTS[kind];
      const file = join(dir, name);
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw new InputError(`cannot read ${displayPath(file)}: ${err.message}`);
      });
      if (text === undefined) continue;
      any = true;
      found[kind].push({ file, data: parseResult(file, text, schema) });
    }
    if (!any) throw new InputError(`${displayPath(dir)} has none of ${Object.values(INPUTS).map(([n]) => n).join(', ')}`);
  }
  return found;
}

function parseResult(file: string, text: string, schema: string): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${displayPath(file)} is not JSON: ${(err as Error).message}`);
  }
  const validate = validatorFor(schema);
  if (!validate(data)) {
    const e = validate.errors?.[0];
    throw new InputError(`${displayPath(file)} does not match schemas/${schema}.schema.json: at ${e?.instancePath || '/'}: ${e?.message ?? 'invalid'}`);
  }
  return data;
}
