/** `npm run docs`: regenerate the generated sections of README.md. */
import { join, resolve } from 'node:path';
import { renderCliReference } from '../src/docs/cli-reference.js';
import { updateSections } from '../src/docs/generated-sections.js';

const root = resolve(import.meta.dirname, '..');
const changed = await updateSections(join(root, 'README.md'), { 'cli-reference': renderCliReference() });
console.log(changed ? 'README.md updated' : 'README.md already up to date');
