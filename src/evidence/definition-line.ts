/**
 * Choosing the line of a definition among the assignments a file makes: only those whose
 * priority and value agree with what the module system reports for the definition
 * count, and when they sit in different branches (mkIf, mkMerge elements, if-then-else),
 * the choice is left open: the candidates are reported, never a guess.
 *
 * One deduction narrows the branches: the module system says how many definitions of the
 * option the file made. A branch is surely taken when every branch that assigns the
 * option depends on at least its conditions (the plain block next to an extra
 * `mkIf c { ... }`); when the surely taken branches are as many as the definitions, the
 * others were not taken.
 */
import { deepEqual } from '../match/deep-equal.js';
import type { PathSegment } from '../nix/request.js';
import type { Assignment, Segment } from './nix-assignments.js';

export interface DefinitionQuery {
  /** The full config path the definition sets (option path and key below it). */
  path: readonly PathSegment[];
  /** How many segments of `path` name the option (the rest is a key inside its value). */
  optionDepth?: number;
  /** How many definitions of the option the file made at the definition's level, when known. */
  definitionsInFile?: number;
  /** Its priority for that path, when known. */
  priority?: number | null;
  /** What it sets there, as the engine sketched it (opaque parts are unknown). */
  value?: unknown;
}

/** One line; several candidate lines (undecidable); or none found. */
export type LineAnswer = { line: number } | { candidates: number[] } | Record<string, never>;

const OPAQUE_KEY = '_nixcheckOpaque';

export function chooseDefinitionLine(assignments: readonly Assignment[], query: DefinitionQuery): LineAnswer {
  const target = query.path.map(String);
  const optionDepth = query.optionDepth ?? target.length;
  const taken = takenBranches(assignments, target.slice(0, optionDepth), query.definitionsInFile);
  const groups = new Map<number, number[]>();
  for (const a of assignments) {
    const relation = relate(a, target);
    if (!relation || !compatible(a, relation, target.length, query)) continue;
    if (taken && !taken.has(definitionBranch(a, optionDepth))) continue;
    const key = definitionBranch(a, target.length);
    groups.set(key, [...(groups.get(key) ?? []), a.line]);
  }
  const firsts = [...new Set([...groups.values()].map((lines) => Math.min(...lines)))].sort((x, y) => x - y);
  if (firsts.length === 0) return {};
  return firsts.length === 1 ? { line: firsts[0]! } : { candidates: firsts };
}

/**
 * The option's branches in this file that were surely taken, when they account for every
 * definition. Only when every branch that may assign the option surely does when taken
 * (no whole value of unknown content above the option).
 */
function takenBranches(assignments: readonly Assignment[], option: readonly string[], definitions: number | undefined): Set<number> | undefined {
  const conditions = new Map<number, Set<string>>();
  for (const a of assignments) {
    const relation = relate(a, option);
    if (!relation) continue;
    if (relation.kind === 'above') return undefined;
    conditions.set(definitionBranch(a, option.length), new Set(a.branches.filter((b) => b.depth <= option.length && b.condition !== undefined).map((b) => b.condition!)));
  }
  const all = [...conditions.values()];
  const sure = [...conditions].filter(([, own]) => all.every((other) => [...own].every((c) => other.has(c)))).map(([id]) => id);
  return sure.length === definitions ? new Set(sure) : undefined;
}

/**
 * How an assignment's path relates to the target: at it or below it (`sub`: the key below,
 * empty at the target), or a whole value above it (`sub`: the target's key in that value).
 */
type Relation = { kind: 'at'; sub: Segment[] } | { kind: 'above'; sub: string[] };

function relate(a: Assignment, target: readonly string[]): Relation | undefined {
  const n = Math.min(a.path.length, target.length);
  for (let i = 0; i < n; i++) if (!segmentMatches(a.path[i]!, target[i]!)) return undefined;
  if (a.path.length >= target.length) return { kind: 'at', sub: a.path.slice(target.length) };
  // A set written out above the target is looked at through its own attributes.
  return a.block ? undefined : { kind: 'above', sub: target.slice(a.path.length) };
}

function segmentMatches(segment: Segment, wanted: string): boolean {
  return segment === null || segment === wanted;
}

/** The priority an assignment gives the value at a path of length `depth`: the innermost wrapper at or above it. */
export function priorityAt(a: Assignment, depth: number): number | null {
  const wrapper = [...a.wrappers].reverse().find((w) => w.depth <= depth);
  return wrapper ? wrapper.priority : 100;
}

function compatible(a: Assignment, relation: Relation, depth: number, query: DefinitionQuery): boolean {
  if (query.priority !== undefined && query.priority !== null) {
    const priority = priorityAt(a, depth);
    if (priority !== null && priority !== query.priority) return false;
  }
  if (query.value === undefined) return true;
  if (relation.kind === 'at') {
    const part = sketchAt(query.value, relation.sub);
    return part !== MISSING && (!('value' in a) || agrees(a.value, part));
  }
  if (!('value' in a)) return true;
  // A literal's part is known or MISSING (which equals nothing).
  return agrees(sketchAt(a.value, relation.sub), query.value);
}

const MISSING = Symbol('missing');

/**
 * The part of a sketched value at `sub`; MISSING when it positively has none; undefined
 * when unknown (an opaque part, or a name computed at evaluation time).
 */
function sketchAt(value: unknown, sub: readonly Segment[]): unknown {
  let v = value;
  for (const key of sub) {
    if (isOpaque(v) || key === null) return undefined;
    if (Array.isArray(v)) {
      if (!/^\d+$/.test(key)) return MISSING;
      v = v[Number(key)];
      if (v === undefined) return MISSING;
    } else if (v !== null && typeof v === 'object') {
      if (!Object.prototype.hasOwnProperty.call(v, key)) return MISSING;
      v = (v as Record<string, unknown>)[key];
    } else return MISSING;
  }
  return v;
}

/** A literal agrees with a sketch unless both are known and differ. */
function agrees(literal: unknown, sketch: unknown): boolean {
  if (sketch === undefined || containsOpaque(sketch)) return true;
  return deepEqual(literal, sketch);
}

function isOpaque(v: unknown): boolean {
  return (v as Record<string, unknown> | null | undefined)?.[OPAQUE_KEY] === true;
}

/** Whether a sketch has an opaque part anywhere (a list's elements are its values too). */
function containsOpaque(v: unknown): boolean {
  return isOpaque(v) || (v instanceof Object && Object.values(v).some(containsOpaque));
}

/**
 * Assignments in the same branch at or above the target's depth belong to one
 * definition; conditionals deeper down are inside that definition's value.
 */
function definitionBranch(a: Assignment, depth: number): number {
  const branch = [...a.branches].reverse().find((b) => b.depth <= depth);
  return branch ? branch.id : 0;
}
