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
import { vmReporters } from './vm.js';

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
    const costs: CostRecord = { version: 1, costs: {} };
    const failures: string[] = [];
    const notes: string[] = [];
    let code: number = EXIT.ok;
    const worst = (c: number) => (code = Math.max(code, c));

    if (inputs.test.length) {
      const merged = mergeRunResults(inputs.test as ShardFile<RunResult>[], 'results.json files', unitCaseTarget);
      notes.push(...merged.notes);
      costs.costs.test = carried(usedCosts(merged.shards), measuredDurations(merged.result.evaluations));
      failures.push(...(await writeReports(merged.result, reporters, outDir)).failures);
      worst(exitCodeFor(merged.result));
    }
    if (inputs.comply.length) {
      const merged = mergeComplianceResults(inputs.comply as ShardFile<ComplianceResult>[]);
      notes.push(...merged.notes);
      costs.costs.comply = carried(usedCosts(merged.shards), measuredDurations(merged.result.evaluations));
      failures.push(...(await writeComplianceReports(merged.result, outDir, formats)).failures);
      process.stdout.write(formatComplianceTerminal(merged.result));
      worst(merged.result.gate.failed ? EXIT.failures : EXIT.ok);
    }
    if (inputs.vm.length) {
      const merged = mergeRunResults(inputs.vm as ShardFile<RunResult>[], 'vm-results.json files', vmCaseTarget);
      notes.push(...merged.notes);
      const tests = entriesByTarget(merged.shards, (r) => r.cases, vmCaseTarget).map((t) => ({ id: t.id, cases: t.entries }));
      costs.costs.vm = carried(usedCosts(merged.shards), vmTestDurations(tests));
      failures.push(...(await writeReports(merged.result, vmReporters('vm'), outDir)).failures);
      worst(exitCodeFor(merged.result));
    }
    try {
      await writeCostRecord(join(outDir, COST_RECORD_FILE), costs);
    } catch (err) {
      failures.push(`shard costs: ${(err as Error).message}`);
    }
    for (const n of notes) process.stderr.write(`nixcheck: note: ${n}\n`);
    for (const f of failures) process.stderr.write(`nixcheck: ${f}\n`);
    return failures.length ? EXIT.infrastructure : code;
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
