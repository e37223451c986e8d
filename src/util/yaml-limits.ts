/**
 * What a YAML file may not do to nixcheck: nest so deep that the parser exhausts the
 * stack, or expand through aliases to more than memory holds (or to circular data).
 */
import { isAlias, isCollection, isPair, isScalar, visit, type Alias, type Document } from 'yaml';

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

/**
 * Where the text nests deeper than MAX_NESTING, by a bound that needs no parsing: flow
 * brackets are counted wherever they stand (quoted or not), and a block level takes at
 * least one column of indentation or indicators (`- `, `? `).
 */
export function nestingProblem(text: string): { offset: number; message: string } | undefined {
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

/**
 * An alias that refers to the collection it sits in (the data would be circular), or the
 * alias at which the values aliases add pass MAX_ALIAS_EXPANSION, in document order.
 */
export function aliasProblem(doc: Document): { alias: Alias; message: string } | undefined {
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
