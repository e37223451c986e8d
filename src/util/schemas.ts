import { readFileSync, readdirSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { packagePath } from './package-root.js';

/**
 * All published schemas (schemas/*.schema.json) in one ajv instance, so they can $ref
 * each other by file name. The same files are what editors use.
 */
let ajv: InstanceType<typeof Ajv2020> | undefined;

function instance(): InstanceType<typeof Ajv2020> {
  if (ajv) return ajv;
  ajv = new Ajv2020({ allErrors: true, strict: false });
  const dir = packagePath('schemas');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.schema.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(`${dir}/${name}`, 'utf8')));
  }
  return ajv;
}

/** `validatorFor('suite')` validates against schemas/suite.schema.json. */
export function validatorFor(name: string): ValidateFunction {
  const validate = instance().getSchema(`https://nixcheck.dev/schemas/${name}.schema.json`);
  if (!validate) throw new Error(`nixcheck: no schema schemas/${name}.schema.json`);
  return validate;
}

/** The JSON of a published schema by its `$id`, as written (for looking inside it). */
export function schemaDocument(id: string): { [key: string]: unknown } | undefined {
  return instance().getSchema(id)?.schema as { [key: string]: unknown } | undefined;
}
