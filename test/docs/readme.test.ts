import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCliReference } from '../../src/docs/cli-reference.js';
import { extractSection } from '../../src/docs/generated-sections.js';
import { REPO } from '../helpers/paths.js';

describe('README', () => {
  it('carries the CLI reference the commands generate (run `npm run docs` after changing flags)', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(extractSection(readme, 'cli-reference')).toBe(renderCliReference().trim());
  });
});
