import type { ReportFile } from '../../util/atomic-write.js';
import { validatorFor } from '../../util/schemas.js';
import type { ComplianceResult } from '../run-comply.js';

export function complianceJsonFile(result: ComplianceResult): ReportFile {
  return {
    name: 'compliance.json',
    render() {
      const validate = validatorFor('compliance');
      if (!validate(result)) throw new Error(`compliance result breaks schemas/compliance.schema.json: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
      return JSON.stringify(result, null, 2) + '\n';
    },
  };
}
