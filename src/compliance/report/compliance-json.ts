import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { validatorFor } from '../../util/schemas.js';
import type { ComplianceResult } from '../run-comply.js';

export async function writeComplianceJson(result: ComplianceResult, outDir: string): Promise<string> {
  const validate = validatorFor('compliance');
  if (!validate(result)) throw new Error(`compliance result breaks schemas/compliance.schema.json: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  const path = join(outDir, 'compliance.json');
  await writeFileAtomic(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}
