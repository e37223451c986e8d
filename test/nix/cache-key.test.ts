import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cacheTargetOf, isCacheable, itemKey, sha256 } from '../../src/nix/cache-key.js';
import type { EvalTarget } from '../../src/nix/evaluator.js';
import { PRIORITY, type BaseTarget, type EvalItem, type ItemOutcome } from '../../src/nix/request.js';

const base: BaseTarget = { kind: 'flake', flake: 'path:/src/host', attrPath: ['nixosConfigurations', 'a'] };
const program = ['/nixcheck/engine.nix', '/nixcheck/common.nix'];

describe('cacheTargetOf (the first level of the key)', () => {
  it('caches nothing of a target without local sources (a remote flake)', () => {
    expect(cacheTargetOf({ base }, program, 'request')).toBeUndefined();
  });

  it('keys a local flake by its files, read as a flake in git unless told otherwise', () => {
    expect(cacheTargetOf({ base, sourceDir: '/src/host' }, program, { r: 1 })).toEqual({ program, request: { r: 1 }, flakeSource: { dir: '/src/host', scope: 'nix-git' } });
    expect(cacheTargetOf({ base, sourceDir: '/src/host', sourceScope: 'path' }, program, 1)).toEqual({ program, request: 1, flakeSource: { dir: '/src/host', scope: 'path' } });
  });

  it('keys plain files (no flake copied) by program and request alone: what they read is in the manifest', () => {
    const target: EvalTarget = { base: { kind: 'file', file: '/src/t.nix', attrPath: [] }, sourceDir: '/src', sourceScope: 'files' };
    const key = cacheTargetOf(target, program, 'r');
    expect(key).toEqual({ program, request: 'r' });
    expect(key).not.toHaveProperty('flakeSource');
  });
});

describe('itemKey (the second level: one answer)', () => {
  const item: EvalItem = { variant: { config: null, priority: PRIORITY.normal }, root: 'config', path: ['boot', 0], evidence: false };

  it('is a hex SHA-256 digest, the same for equal items', () => {
    expect(itemKey(item)).toMatch(/^[0-9a-f]{64}$/);
    expect(itemKey(structuredClone(item))).toBe(itemKey(item));
  });

  it('reads a missing `names` or `trace` as false', () => {
    expect(itemKey(item)).toBe(itemKey({ ...item, names: false, trace: false }));
  });

  it('differs in each part of the item', () => {
    const keys = [
      item,
      { ...item, variant: { config: null, priority: PRIORITY.force } },
      { ...item, variant: { config: { a: 1 }, priority: PRIORITY.normal } },
      { ...item, root: 'attr' as const },
      { ...item, path: ['boot', 1] },
      { ...item, evidence: true },
      { ...item, evidence: 'full' as const },
      { ...item, names: true },
      { ...item, trace: true },
    ].map(itemKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('sha256', () => {
  it('is the hex SHA-256 digest of text or bytes', () => {
    expect(sha256('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(sha256(new Uint8Array([97, 98, 99]))).toBe(sha256('abc'));
  });
});

describe('isCacheable (which answers the cache keeps)', () => {
  const error = (reason: (ItemOutcome & { status: 'error' })['reason'], text: string): ItemOutcome => ({ status: 'error', error: text, reason });

  it('keeps values, whether or not the path exists', () => {
    expect(isCacheable({ status: 'value', exists: true, value: 1, type: 'int', evidence: null, declared: null })).toBe(true);
    expect(isCacheable({ status: 'value', exists: false, value: null, type: null, evidence: null, declared: false })).toBe(true);
  });

  it('keeps an item\'s own throw, whatever its text', () => {
    expect(isCacheable(error('throw', 'error: boom'))).toBe(true);
    expect(isCacheable(error('throw', 'nixcheck could not read the answer Nix printed: {'))).toBe(true);
  });

  it('keeps a fatal error only when Nix said it (a stack overflow), not when the process was killed', () => {
    expect(isCacheable(error('fatal', 'error: stack overflow (possible infinite recursion)'))).toBe(true);
    expect(isCacheable(error('fatal', 'nix was killed (SIGKILL): out of memory?'))).toBe(false);
    expect(isCacheable(error('fatal', 'the process said error: late'))).toBe(false);
  });

  it('never keeps timeouts or errors of the whole target, even Nix\'s own', () => {
    expect(isCacheable(error('timeout', 'error: timed out'))).toBe(false);
    expect(isCacheable(error('target', 'error: cannot fetch input'))).toBe(false);
  });
});
