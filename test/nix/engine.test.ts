import { describe, expect, it } from 'vitest';
import { evaluateInSessions } from '../../src/nix/session-pool.js';
import type { BaseTarget, EvalItem, ItemOutcome } from '../../src/nix/request.js';
import { join } from 'node:path';
import { ENGINE_FLAKE, REPO } from '../helpers/paths.js';

const plain = { config: null, priority: 100 };
const item = (path: string[], extra: Partial<EvalItem> = {}): EvalItem => ({ variant: plain, root: 'config', path, evidence: false, ...extra });
const edge = { kind: 'flake' as const, flake: ENGINE_FLAKE, attrPath: ['nixosConfigurations', 'edge'] };

/** One target's items through the session pool. */
async function evaluateBatch(base: BaseTarget, items: EvalItem[], options: { timeoutMs: number }) {
  return (await evaluateInSessions([{ base, items }], { jobs: 1, ...options })).targets[0]!;
}

function value(o: ItemOutcome) {
  if (o.status !== 'value') throw new Error(`expected a value, got error: ${o.error}`);
  return o;
}
function error(o: ItemOutcome) {
  if (o.status !== 'error') throw new Error(`expected an error, got ${JSON.stringify(o)}`);
  return o;
}

describe('evaluateBatch (real nix)', () => {
  it('answers every path of a target in one process', async () => {
    const r = await evaluateBatch(edge, [item(['plain']), item(['text']), item(['list']), item(['nested', 'dotted.key']), item(['missing', 'path'])], { timeoutMs: 60_000 });
    expect(r.processes).toBe(1);
    expect(value(r.outcomes[0]!).value).toBe(42);
    expect(value(r.outcomes[1]!).value).toBe('hello');
    expect(value(r.outcomes[2]!).value).toEqual([1, 'two', { three: 3 }]);
    expect(value(r.outcomes[3]!).value).toBe('2');
    expect(value(r.outcomes[4]!).exists).toBe(false);
  });

  it('turns functions and derivations into data, with their Nix type', async () => {
    const r = await evaluateBatch(edge, [item(['fn']), item(['drv'])], { timeoutMs: 60_000 });
    expect(value(r.outcomes[0]!)).toMatchObject({ value: '<function>', type: 'function' });
    expect(value(r.outcomes[1]!)).toMatchObject({ value: '/nix/store/00000000000000000000000000000000-fake', type: 'derivation' });
  });

  it('gives each throwing path its own real Nix message and keeps the others', async () => {
    const r = await evaluateBatch(edge, [item(['throwing']), item(['plain']), item(['throwingDeep']), item(['asserting'])], { timeoutMs: 60_000 });
    expect(error(r.outcomes[0]!).error).toMatch(/^error: engine-fixture: deliberate throw/);
    expect(value(r.outcomes[1]!).value).toBe(42);
    expect(error(r.outcomes[2]!).error).toMatch(/engine-fixture: deep throw/);
    expect(error(r.outcomes[3]!).error).toMatch(/assertion .*failed/);
    for (const o of r.outcomes) if (o.status === 'error') expect(o.error).not.toMatch(/\u001b\[|nixcheck:begin/);
  });

  it('gives abort and infinite recursion their own messages in the same process', async () => {
    const r = await evaluateBatch(edge, [item(['plain']), item(['aborting']), item(['text']), item(['recursive']), item(['list'])], { timeoutMs: 60_000 });
    expect(value(r.outcomes[0]!).value).toBe(42);
    expect(error(r.outcomes[1]!)).toMatchObject({ reason: 'throw' });
    expect(error(r.outcomes[1]!).error).toMatch(/^error: evaluation aborted with the following error message: 'engine-fixture: deliberate abort'/);
    expect(value(r.outcomes[2]!).value).toBe('hello');
    expect(error(r.outcomes[3]!).error).toMatch(/^error: infinite recursion/);
    expect(value(r.outcomes[4]!).value).toEqual([1, 'two', { three: 3 }]);
    expect(r.processes).toBe(1);
  });

  it('isolates a stack overflow, which ends Nix 2.8, and answers the rest in a new process', async () => {
    const r = await evaluateBatch(edge, [item(['plain']), item(['overflowing']), item(['text'])], { timeoutMs: 60_000 });
    expect(value(r.outcomes[0]!).value).toBe(42);
    const overflow = error(r.outcomes[1]!);
    expect(overflow.error).toMatch(/^error: stack overflow/);
    expect(value(r.outcomes[2]!).value).toBe('hello');
    // Where Nix survives its stack overflow (later versions), nothing needs a new process.
    expect(r.processes).toBe(overflow.reason === 'fatal' ? 2 : 1);
  });

  it('gives each of twelve paths that end Nix its own outcome, and still evaluates the healthy one', async () => {
    const paths = [...Array.from({ length: 12 }, (_, i) => ['overflows', `a${i}`]), ['overflows', 'fine']];
    const r = await evaluateBatch(edge, paths.map((p) => item(p)), { timeoutMs: 60_000 });
    r.outcomes.slice(0, 12).forEach((o) => expect(error(o).error).toMatch(/^error: stack overflow/));
    expect(value(r.outcomes[12]!).value).toBe('still here');
  });

  it('kills a slow evaluation at the timeout and still answers the other paths', async () => {
    const r = await evaluateBatch(edge, [item(['plain']), item(['slow']), item(['text'])], { timeoutMs: 1500 });
    expect(error(r.outcomes[1]!)).toMatchObject({ reason: 'timeout' });
    expect(error(r.outcomes[1]!).error).toMatch(/timed out after 1\.5 s/);
    expect(value(r.outcomes[0]!).value).toBe(42);
    expect(value(r.outcomes[2]!).value).toBe('hello');
  });

  it('treats suite data as data: an injection attempt is just a missing attribute', async () => {
    const r = await evaluateBatch(edge, [item(['a"; builtins.abort "x']), item(['${builtins.abort "y"}']), item(['plain'])], { timeoutMs: 60_000 });
    expect(value(r.outcomes[0]!).exists).toBe(false);
    expect(value(r.outcomes[1]!).exists).toBe(false);
    expect(r.processes).toBe(1);
  });

  it('applies `with` config through extendModules, leaving the base target alone', async () => {
    const variant = { config: { plain: 7, added: { x: true } }, priority: 100 };
    const forced = { config: { plain: 8 }, priority: 50 };
    const r = await evaluateBatch(edge, [item(['plain']), item(['plain'], { variant }), item(['added', 'x'], { variant }), item(['plain'], { variant: forced })], { timeoutMs: 60_000 });
    expect(value(r.outcomes[0]!).value).toBe(42);
    // Plain definitions travel as plain data.
    expect(value(r.outcomes[1]!).value).toBe(7);
    expect(value(r.outcomes[2]!).value).toBe(true);
    // This fixture's extendModules merges raw values, so the mkForce wrapper the engine
    // built (lib.mkOverride's shape) is visible: it travelled as data.
    expect(value(r.outcomes[3]!).value).toEqual({ _type: 'override', priority: 50, content: 8 });
  });

  it('reports a target that fails to load once, for every item, without re-running per item', async () => {
    const r = await evaluateBatch({ ...edge, attrPath: ['nixosConfigurations', 'broken'] }, [item(['a']), item(['b']), item(['c'])], { timeoutMs: 60_000 });
    expect(r.processes).toBe(1);
    for (const o of r.outcomes) expect(error(o)).toMatchObject({ reason: 'target' });
    expect(error(r.outcomes[0]!).error).toMatch(/this whole target is broken/);
  });

  it('reads raw attribute paths relative to the target', async () => {
    const r = await evaluateBatch({ kind: 'flake', flake: ENGINE_FLAKE, attrPath: ['other', 'nested', 'result'] }, [item(['config', 'plain'], { root: 'attr' })], { timeoutMs: 60_000 });
    expect(value(r.outcomes[0]!).value).toBe(42);
  });
});

describe('evidence priorities (the offline fixture\'s module system)', () => {
  const system = { kind: 'file' as const, file: join(REPO, 'test/fixtures/priorities/system.nix'), attrPath: [] };
  const withEvidence = (path: string[], extra: Partial<EvalItem> = {}) => item(path, { evidence: true, ...extra });

  it('a key of an attrsOf option forced as a whole carries the option\'s priority', async () => {
    const r = await evaluateBatch(system, [withEvidence(['sysctl', 'forward'], { evidence: 'full' }), withEvidence(['sysctl', 'kptr'])], { timeoutMs: 60_000 });
    expect(value(r.outcomes[0]!)).toMatchObject({ value: 1, evidence: { option: ['sysctl'], subPath: ['forward'], priority: 50, source: 'set' } });
    expect(value(r.outcomes[0]!).evidence!.definitions).toEqual([{ file: join(REPO, 'test/fixtures/priorities/forced.nix'), priority: 50, value: 1, definitionsInFile: 1 }]);
    // plain.nix lost for the whole option: the module system no longer lists it, an
    // evaluation without forced.nix's definitions of `sysctl` finds it.
    expect(value(r.outcomes[0]!).evidence!).toMatchObject({
      overridden: [{ file: join(REPO, 'test/fixtures/priorities/plain.nix'), priority: 100, definitionsInFile: 1 }],
      overriddenKnown: true,
    });
    expect(value(r.outcomes[1]!)).toMatchObject({ exists: false });
  });

  it('keys that come from an attrsOf option\'s default are the default', async () => {
    const r = await evaluateBatch(system, [withEvidence(['limits', 'nofile'])], { timeoutMs: 60_000 });
    expect(value(r.outcomes[0]!)).toMatchObject({ value: 1024, evidence: { priority: 1500, source: 'default' } });
  });

  it('a forced `with` on a plain attrs option replaces the value without leaking its wrapper', async () => {
    const r = await evaluateBatch(system, [item(['blob'], { variant: { config: { blob: { b: 2 } }, priority: 50 } })], { timeoutMs: 60_000 });
    expect(value(r.outcomes[0]!).value).toEqual({ b: 2 });
  });
});
