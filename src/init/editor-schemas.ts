/**
 * The JSON schemas the files `nixcheck init` writes point editors at. They are copied into
 * the user's repository (SCHEMAS_DIR), so every `$schema` reference resolves there: in a
 * flake repository without node_modules, offline, in any editor, and at the nixcheck
 * version that wrote the files. The copies carry no `$id`, so their `$ref`s to each other
 * resolve next to each other, never through the network.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { packagePath } from '../util/package-root.js';

export const SCHEMAS_DIR = '.nixcheck/schemas';

const fileOf = (name: string) => `${name}.schema.json`;

/** `schemas/suite.schema.json` and every published schema it references, for editors. */
export async function editorSchemaFiles(names: readonly string[]): Promise<{ path: string; content: string }[]> {
  const out = new Map<string, string>();
  const pending = [...names];
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (out.has(name)) continue;
    const { $id: _id, ...schema } = JSON.parse(await readFile(packagePath('schemas', fileOf(name)), 'utf8')) as Record<string, unknown>;
    out.set(name, `${JSON.stringify(schema, null, 2)}\n`);
    for (const m of JSON.stringify(schema).matchAll(/"\$ref":"([A-Za-z0-9_-]+)\.schema\.json(?:#[^"]*)?"/g)) pending.push(m[1]!);
  }
  return [...out.entries()].map(([name, content]) => ({ path: `${SCHEMAS_DIR}/${fileOf(name)}`, content }));
}

/** The `$schema` comment target of a file written into `projectDir`: its copy under SCHEMAS_DIR. */
export function schemaRef(fromFile: string, projectDir: string, name: string): string {
  return relative(dirname(fromFile), join(projectDir, SCHEMAS_DIR, fileOf(name))).split(sep).join('/');
}
