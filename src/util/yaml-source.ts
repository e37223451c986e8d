import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { LineCounter, parseDocument, isAlias, isCollection, isNode, isPair, isScalar, visit, type Alias, type Document } from 'yaml';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { InputError, type SourceLocation } from './errors.js';

/** A parsed YAML file that can still say where each value came from. */
export interface YamlSource<T> {
  file: string;
  data: T;
  locate(path: readonly (string | number)[]): SourceLocation;
}

/**
 * Values that aliases may add to a document. Reusing an anchor a thousand times is normal;
 * a "billion laughs" document that expands to millions of values is refused.
 */
export const MAX_ALIAS_EXPANSION = 100_000;

/**
 * Deeper nesting is refused before parsing: the yaml package recurses per level, and near
 * the end of the stack V8 can abort the whole process instead of throwing.
 */
export const MAX_NESTING = 256;

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
  return parseYaml<T>(file, decodeUtf8(bytes, file, what), validate, what);
}

/** The text of a file that must be UTF-8: invalid bytes are an error, never replaced silently. */
function decodeUtf8(bytes: Buffer, file: string, what: string): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const offset = invalidUtf8Offset(bytes);
  const before = bytes.subarray(0, offset).toString('utf8');
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  throw new InputError(`${what} ${displayPath(file)} is not UTF-8`, [
    {
      location: { file: displayPath(file), line, column },
      message: `byte 0x${bytes[offset]!.toString(16).padStart(2, '0')} (offset ${offset}) does not start a valid UTF-8 character: save the file as UTF-8`,
    },
  ]);
}

/** The offset of the first byte that does not begin a well-formed UTF-8 sequence. */
function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const extra = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (extra === 0) return i;
    let codePoint = lead & (0x3f >> extra);
    for (let k = 1; k <= extra; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    const shortest = [0, 0x80, 0x800, 0x10000][extra]!;
    if (codePoint < shortest || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += extra + 1;
  }
  return bytes.length;
}

/**
 * Where the text nests deeper than MAX_NESTING, by a bound that needs no parsing: flow
 * brackets are counted wherever they stand (quoted or not), and a block level takes at
 * least one column of indentation or indicators (`- `, `? `).
 */
function nestingProblem(text: string): { offset: number; message: string } | undefined {
  let flow = 0;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') {
      if (++flow > MAX_NESTING) return { offset: i, message: `brackets nest more than ${MAX_NESTING} levels deep` };
    } else if ((c === ']' || c === '}') && flow > 0) flow--;
    else if (c === '\n') lineStart = i + 1;
    else if (i - lineStart === 2 * MAX_NESTING && /^[ \t?:-]*$/.test(text.slice(lineStart, i + 1))) {
      return { offset: i, message: `indentation nests more than ${MAX_NESTING} levels deep` };
    }
  }
  return undefined;
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
    throw new InputError(
      `${what} ${shown} does not match its schema`,
      mergeAlternatives(dedupeErrors(validate.errors ?? []).map((e) => describeSchemaError(e, locate))),
    );
  }
  return { file, data, locate };
}

/**
 * An alias that refers to the collection it sits in (the data would be circular), or the
 * alias at which the values aliases add pass MAX_ALIAS_EXPANSION, in document order.
 */
function aliasProblem(doc: Document): { alias: Alias; message: string } | undefined {
  // What each alias refers to: the last node anchored with its name before it, in document
  // order (as the yaml package resolves it, in one pass instead of one per alias).
  const targets = new Map<Alias, unknown>();
  const anchors = new Map<string, unknown>();
  let unresolved: Alias | undefined;
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) {
        targets.set(node, anchors.get(node.source));
        if (!anchors.has(node.source)) unresolved ??= node;
      } else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  if (unresolved) return { alias: unresolved, message: `the alias *${unresolved.source} refers to no anchor &${unresolved.source} before it` };
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  class Circular extends Error {
    constructor(readonly alias: Alias) {
      super();
    }
  }
  // Values a node stands for once every alias in it is expanded (memoised per collection).
  const size = (node: unknown): number => {
    if (isAlias(node)) {
      const target = targets.get(node);
      if (open.has(target)) throw new Circular(node);
      return size(target);
    }
    if (isScalar(node)) return 1;
    if (isPair(node)) return size(node.key) + size(node.value);
    if (!isCollection(node)) return 0;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    open.add(node);
    let n = 1;
    for (const item of node.items) n += size(item);
    open.delete(node);
    sizes.set(node, n);
    return n;
  };
  let added = 0;
  let problem: { alias: Alias; message: string } | undefined;
  visit(doc, {
    Alias(_, alias) {
      try {
        added += size(alias) - 1;
      } catch (err) {
        if (!(err instanceof Circular)) throw err;
        problem = { alias: err.alias, message: `the alias *${err.alias.source} refers to the collection it is in: the data would be infinite` };
        return visit.BREAK;
      }
      if (added > MAX_ALIAS_EXPANSION) {
        problem = { alias, message: `aliases expand this file to more than ${MAX_ALIAS_EXPANSION} values (an alias bomb?); here *${alias.source} adds ${size(alias)}` };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return problem;
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

function describeSchemaError(
  e: ErrorObject,
  locate: (path: readonly (string | number)[]) => SourceLocation,
): { location: SourceLocation; message: string } {
  const path = pointerToPath(e.instancePath);
  const where = path.length === 0 ? 'the document' : `"${path.join('.')}"`;
  switch (e.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const params = e.params as { additionalProperty?: string; unevaluatedProperty?: string };
      const key = params.additionalProperty ?? params.unevaluatedProperty ?? '?';
      return { location: locate([...path, key]), message: `unknown key "${key}" in ${where}` };
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
