/**
 * vitest matchers for nixcheck handles and evidence. Register once per test file (or in
 * a setup file):
 *
 *   import { expect } from 'vitest';
 *   import { nixcheckMatchers } from 'nixcheck/vitest';
 *   expect.extend(nixcheckMatchers);
 *
 *   await expect(laptop.option('boot.kernel.sysctl."net.ipv4.ip_forward"')).toHavePriority('mkForce');
 *   await expect(fw).toBeDefinedAt('hosts/laptop/default.nix');
 *   expect(await fw.evidence()).toBeDefinedAt('hosts/laptop/default.nix', 12);
 *
 * Given a handle the matchers are asynchronous (await the expect); given evidence (from
 * `await handle.evidence()`) they are synchronous.
 */
// Type-only: brings vitest's declarations into the program so the augmentation below applies.
import type {} from 'vitest';
import { describeDefinitions, priorityName } from '../evidence/evidence.js';
import { PRIORITY } from '../nix/request.js';
import type { Evidence } from '../result/model.js';
import { isOptionHandle as isBranded } from './brand.js';
import type { OptionHandle } from './index.js';

const isOptionHandle = (v: unknown): v is OptionHandle => isBranded<OptionHandle>(v);

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

interface MatcherContext {
  isNot: boolean;
}

/** Priority names as written in Nix, and the numbers behind them. */
const PRIORITY_NAMES: Record<string, number> = {
  mkForce: PRIORITY.force,
  force: PRIORITY.force,
  normal: PRIORITY.normal,
  plain: PRIORITY.normal,
  mkDefault: PRIORITY.default,
  default: PRIORITY.default,
  mkOptionDefault: 1500,
  'option default': 1500,
};

type Subject = Evidence | undefined;

async function evidenceOf(received: unknown): Promise<{ evidence: Subject; label: string }> {
  if (isOptionHandle(received)) {
    const r = await received.result();
    if (!r.ok) throw new Error(`${received.label}: evaluating ${received.path} failed (${r.reason}):\n${r.error}`);
    return { evidence: r.evidence, label: `${received.label}: ${received.path}` };
  }
  if (received === undefined || (typeof received === 'object' && received !== null && 'definitions' in received)) {
    return { evidence: received as Subject, label: (received as Evidence | undefined)?.option ?? 'value' };
  }
  throw new TypeError('expected a nixcheck option handle or its evidence()');
}

function sync<A extends unknown[]>(received: unknown, check: (evidence: Subject, label: string, ...args: A) => MatcherResult, args: A): MatcherResult | Promise<MatcherResult> {
  if (isOptionHandle(received)) return evidenceOf(received).then(({ evidence, label }) => check(evidence, label, ...args));
  // Evidence given directly: answer synchronously.
  if (received !== undefined && !(typeof received === 'object' && received !== null && 'definitions' in received)) {
    throw new TypeError('expected a nixcheck option handle or its evidence()');
  }
  return check(received as Subject, (received as Evidence | undefined)?.option ?? 'value', ...args);
}

function fileMatches(candidate: string | undefined, file: string): boolean {
  if (!candidate) return false;
  const a = candidate.split('\\').join('/');
  const b = file.split('\\').join('/').replace(/^\.\//, '');
  return a === b || a.endsWith(`/${b}`);
}

function definedAt(evidence: Subject, label: string, file: string, line?: number): MatcherResult {
  const sites = evidence?.definitions ?? [];
  const pass = sites.some((d) => (fileMatches(d.localFile, file) || fileMatches(d.file, file)) && (line === undefined || d.line === line));
  const where = `${file}${line !== undefined ? `:${line}` : ''}`;
  return {
    pass,
    message: () =>
      pass
        ? `expected ${label} not to be defined at ${where}, but it is`
        : `expected ${label} to be defined at ${where}, but it is ${evidence ? `defined by: ${describeDefinitions(evidence)}` : 'not evaluated with evidence (only config paths have it)'}`,
  };
}

function hasPriority(evidence: Subject, label: string, expected: string | number): MatcherResult {
  const want = typeof expected === 'number' ? expected : PRIORITY_NAMES[expected];
  if (want === undefined) throw new TypeError(`unknown priority "${expected}"; use a number or one of ${Object.keys(PRIORITY_NAMES).join(', ')}`);
  const actual = evidence?.priority;
  const pass = actual === want;
  return {
    pass,
    message: () =>
      pass
        ? `expected ${label} not to have priority ${priorityName(want)} (${want})`
        : `expected ${label} to have priority ${priorityName(want)} (${want}), but it has ${actual === undefined ? 'no known priority' : `${priorityName(actual)} (${actual})`}${evidence ? `; defined by: ${describeDefinitions(evidence)}` : ''}`,
  };
}

function setByUser(evidence: Subject, label: string): MatcherResult {
  const pass = evidence?.source === 'user';
  return {
    pass,
    message: () => (pass ? `expected ${label} not to be set by your modules, but: ${describeDefinitions(evidence!)}` : `expected ${label} to be set by your modules, but it is ${evidence ? describeDefinitions(evidence) : 'without evidence'}`),
  };
}

export const nixcheckMatchers = {
  /** Defined (at the winning priority) in this file (suffix match), optionally at this line. */
  toBeDefinedAt(this: MatcherContext, received: unknown, file: string, line?: number) {
    return sync(received, definedAt, [file, line] as [string, number | undefined]);
  },
  /** Effective priority: `mkForce`, `normal`, `mkDefault`, `option default` or a number. */
  toHavePriority(this: MatcherContext, received: unknown, priority: string | number) {
    return sync(received, hasPriority, [priority] as [string | number]);
  },
  /** One of your modules set the value (not a NixOS default, not only upstream modules). */
  toBeSetByUser(this: MatcherContext, received: unknown) {
    return sync(received, setByUser, [] as []);
  },
};

interface NixcheckMatchers<R = unknown> {
  toBeDefinedAt(file: string, line?: number): R;
  toHavePriority(priority: 'mkForce' | 'normal' | 'mkDefault' | 'option default' | (string & {}) | number): R;
  toBeSetByUser(): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends NixcheckMatchers<T> {}
}
