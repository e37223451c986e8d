import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { InputError, type SourceLocation } from './errors.js';
import { nearestName } from './nearest-name.js';
import { allowedKeys } from './schema-keys.js';
import { schemaDocument } from './schemas.js';
import { decodeUtf8 } from './utf8.js';
import { aliasProblem, nestingProblem } from './yaml-limits.js';

/** A parsed YAML file that can still say where each value came from. */
export interface YamlSource<T> {
  file: string;
  data: T;
  locate(path: readonly (string | number)[]): SourceLocation;
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/**
 * Read a YAML file (UTF-8, or exit 2 naming the first byte that is not), parse it and
 * validate it against a JSON schema. Every YAML or schema problem is reported at once,
 * each with file:line:col and what was expected.
 */
export async function loadYaml<T>(file: string, validate: ValidateFunction, what: string): Promise<YamlSource<T>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError(`cannot read ${what} ${displayPath(file)}: ${(err as Error).message}`);
  }
  return parseYaml<T>(file, decodeUtf8(bytes, what, displayPath(file)), validate, what);
}

export function parseYaml<T>(file: string, text: string, validate: ValidateFunction, what: string): YamlSource<T> {
  const shown = displayPath(file);
  const tooDeep = nestingProblem(text);
  if (tooDeep) {
    const before = text.slice(0, tooDeep.offset);
    const location = { file: shown, line: before.split('\n').length, column: tooDeep.offset - before.lastIndexOf('\n') };
    throw new InputError(`${what} ${shown} cannot be loaded`, [{ location, message: tooDeep.message }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file: shown, line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new InputError(
      `${what} ${shown} is not valid YAML`,
      doc.errors.map((e) => ({ location: at(e.pos[0]), message: e.message.split('\n')[0]! })),
    );
  }
  const aliases = aliasProblem(doc);
  if (aliases) throw new InputError(`${what} ${shown} cannot be loaded`, [{ location: at(aliases.alias.range?.[0] ?? 0), message: aliases.message }]);
  // Expansion is bounded above; the yaml package's own guard would reject ordinary reuse.
  const data = doc.toJS({ maxAliasCount: -1 }) as T;
  const locate = (path: readonly (string | number)[]) => locateIn(doc, path, at);
  if (!validate(data)) {
    const context: ErrorContext = {
      locate,
      locateKey: (path, key) => locateKeyIn(doc, path, key, at) ?? locate([...path, key]),
      allowedKeys: (path) => (typeof validate.schema === 'object' ? allowedKeys(validate.schema as { [key: string]: unknown }, path, schemaDocument) : []),
    };
    throw new InputError(
      `${what} ${shown} does not match its schema`,
      mergeAlternatives(dedupeErrors(validate.errors ?? []).map((e) => describeSchemaError(e, context))),
    );
  }
  return { file, data, locate };
}

function locateIn(
  doc: Document,
  path: readonly (string | number)[],
  at: (offset: number) => SourceLocation,
): SourceLocation {
  // Walk up until a node with a range exists (a missing property points at its parent).
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return at(node.range[0]);
  }
  return at(0);
}

/** Where a key itself is written (not its value): a misspelt key is pointed at there. */
function locateKeyIn(
  doc: Document,
  path: readonly (string | number)[],
  key: string,
  at: (offset: number) => SourceLocation,
): SourceLocation | undefined {
  const parent = doc.getIn(path, true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return isNode(pair?.key) && pair.key.range ? at(pair.key.range[0]) : undefined;
}

interface ErrorContext {
  locate(path: readonly (string | number)[]): SourceLocation;
  locateKey(path: readonly (string | number)[], key: string): SourceLocation;
  /** The keys the schema allows at `path`. */
  allowedKeys(path: readonly (string | number)[]): string[];
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** oneOf/anyOf produce one error per branch; keep the most specific ones. */
function dedupeErrors(errors: ErrorObject[]): ErrorObject[] {
  const deepest = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const list = deepest.get(e.instancePath) ?? [];
    list.push(e);
    deepest.set(e.instancePath, list);
  }
  const out: ErrorObject[] = [];
  for (const [path, list] of deepest) {
    const hasDeeper = [...deepest.keys()].some((p) => p !== path && p.startsWith(path + '/'));
    const meaningful = list.filter((e) => !['oneOf', 'anyOf', 'if'].includes(e.keyword));
    if (hasDeeper && meaningful.every((e) => e.keyword === 'type' || e.keyword === 'required')) continue;
    out.push(...(meaningful.length > 0 ? meaningful : list));
  }
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = `${e.instancePath}|${e.message}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeSchemaError(e: ErrorObject, context: ErrorContext): { location: SourceLocation; message: string } {
  const { locate } = context;
  const path = pointerToPath(e.instancePath);
  const where = path.length === 0 ? 'the document' : `"${path.join('.')}"`;
  switch (e.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const params = e.params as { additionalProperty?: string; unevaluatedProperty?: string };
      const key = params.additionalProperty ?? params.unevaluatedProperty ?? '?';
      const suggestion = nearestName(key, context.allowedKeys(path));
      return { location: context.locateKey(path, key), message: `unknown key "${key}" in ${where}${suggestion ? `: did you mean "${suggestion}"?` : ''}` };
    }
    case 'required':
      return {
        location: locate(path),
        message: `${where} is missing the required key "${(e.params as { missingProperty: string }).missingProperty}"`,
      };
    case 'enum':
      return {
        location: locate(path),
        message: `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return { location: locate(path), message: `${where} ${e.message ?? 'is invalid'}` };
  }
}

/** Two "missing key" errors at one place come from alternatives (oneOf): say it once. */
function mergeAlternatives(
  problems: { location: SourceLocation; message: string }[],
): { location: SourceLocation; message: string }[] {
  const missing = /^(.*) is missing the required key "(.*)"$/;
  const byWhere = new Map<string, { location: SourceLocation; where: string; keys: string[] }>();
  const out: { location: SourceLocation; message: string }[] = [];
  for (const p of problems) {
    const m = missing.exec(p.message);
    if (!m) {
      out.push(p);
      continue;
    }
    const entry = byWhere.get(m[1]!) ?? { location: p.location, where: m[1]!, keys: [] };
    entry.keys.push(m[2]!);
    byWhere.set(m[1]!, entry);
  }
  for (const e of byWhere.values()) {
    out.push({
      location: e.location,
      message:
        e.keys.length === 1
          ? `${e.where} is missing the required key "${e.keys[0]}"`
          : `${e.where} needs one of the keys ${e.keys.map((k) => `"${k}"`).join(' or ')}`,
    });
  }
  return out.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column);
}
