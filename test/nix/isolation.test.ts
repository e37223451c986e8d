import { describe, expect, it } from 'vitest';
import { isolate, type AttemptResult, type WorkUnit } from '../../src/nix/isolation.js';
import type { StepResult } from '../../src/nix/session-protocol.js';

const unit = (items: number[], extra: Partial<WorkUnit> = {}): WorkUnit => ({ target: 0, items, freshProcess: false, ...extra });
const ok = (value: unknown): StepResult => ({ ok: true, value: { exists: true, value, type: 'int', declared: null, evidence: null } });
const failed = (error: string): StepResult => ({ ok: false, error });
const ready: StepResult = { ok: true, value: true };

function attempt(items: (StepResult | undefined)[], extra: Partial<AttemptResult> = {}): AttemptResult {
  return { target: ready, items, fresh: false, traced: true, ...extra };
}

describe('isolate (what runs again after a unit)', () => {
  // A session run with --show-trace: its text is the whole trace, the message its first part (Nix 2.8's layout).
  const boom7 = "error: boom 7\n\n       … while evaluating the attribute 'x'\n\n       at /src/host.nix:3:7:";

  it('gives every item its own answer or its own error, message and trace, when the process survived', () => {
    const r = isolate(unit([4, 7]), attempt([ok(1), failed(boom7)]));
    expect(r.retry).toEqual([]);
    expect(r.outcomes).toEqual([
      { item: 4, outcome: { status: 'value', exists: true, value: 1, type: 'int', declared: null, evidence: null } },
      { item: 7, outcome: { status: 'error', error: 'error: boom 7', trace: boom7, reason: 'throw' } },
    ]);
  });

  it('gives an error no trace when the session ran without --show-trace', () => {
    const r = isolate(unit([7]), attempt([failed('error: boom 7')], { traced: false }));
    expect(r.outcomes).toEqual([{ item: 7, outcome: { status: 'error', error: 'error: boom 7', reason: 'throw' } }]);
  });

  it('gives an error evaluated again with traces switched on its trace, in a session run without --show-trace', () => {
    const r = isolate(unit([7, 8]), attempt([{ ok: false, error: boom7, traced: true }, failed('error: boom 8')], { traced: false }));
    expect(r.outcomes).toEqual([
      { item: 7, outcome: { status: 'error', error: 'error: boom 7', trace: boom7, reason: 'throw' } },
      { item: 8, outcome: { status: 'error', error: 'error: boom 8', reason: 'throw' } },
    ]);
  });

  it('gives an error in nixcheck\'s own words no trace', () => {
    const r = isolate(unit([0]), attempt([failed('Nix printed no answer for this step')]));
    expect(r.outcomes).toEqual([{ item: 0, outcome: { status: 'error', error: 'Nix printed no answer for this step', reason: 'throw' } }]);
  });

  it('gives a target that fails to load its error on every item, with nothing to run again', () => {
    const r = isolate(unit([0, 1, 2]), { target: failed('error: broken host'), items: [], fresh: false, traced: true });
    expect(r.retry).toEqual([]);
    expect(r.outcomes.map((o) => o.item)).toEqual([0, 1, 2]);
    for (const o of r.outcomes) expect(o.outcome).toEqual({ status: 'error', error: 'error: broken host', trace: 'error: broken host', reason: 'target' });
  });

  it('pins a death on the step in flight when Nix said why, and runs the rest again', () => {
    const r = isolate(unit([0, 1, 2, 3]), attempt([ok(1), undefined, undefined, undefined], { death: { step: 1, cause: 'exit', text: 'error: stack overflow (possible infinite recursion)' } }));
    expect(r.outcomes).toContainEqual({ item: 1, outcome: { status: 'error', error: 'error: stack overflow (possible infinite recursion)', reason: 'fatal' } });
    expect(r.outcomes.map((o) => o.item).sort()).toEqual([0, 1]);
    expect(r.retry).toEqual([unit([2, 3])]);
  });

  it('makes a step killed without a word (out of memory) after others a suspect, run again alone', () => {
    const r = isolate(unit([0, 1, 2]), attempt([ok(1), undefined, undefined], { fresh: true, death: { step: 1, cause: 'exit', text: 'nix was killed by SIGKILL (out of memory?) during evaluation' } }));
    expect(r.outcomes.map((o) => o.item)).toEqual([0]);
    expect(r.retry).toEqual([unit([1], { freshProcess: true }), unit([2])]);
  });

  it('makes the first step of a unit in a process that ran other targets a suspect too', () => {
    const r = isolate(unit([5]), attempt([undefined], { fresh: false, death: { step: 0, cause: 'exit', text: 'nix was killed by SIGKILL (out of memory?) during evaluation' } }));
    expect(r.outcomes).toEqual([]);
    expect(r.retry).toEqual([unit([5], { freshProcess: true })]);
  });

  it('settles a suspect that dies again alone, first in a fresh process, with what happened', () => {
    const text = 'nix was killed by SIGKILL (out of memory?) during evaluation';
    const r = isolate(unit([5], { freshProcess: true }), attempt([undefined], { fresh: true, death: { step: 0, cause: 'exit', text } }));
    expect(r.outcomes).toEqual([{ item: 5, outcome: { status: 'error', error: text, reason: 'fatal' } }]);
    expect(r.retry).toEqual([]);
  });

  it('pins a timeout on the first item of a unit (the time was its own), a later one is a suspect', () => {
    const timeout = { cause: 'timeout' as const, text: 'evaluation timed out after 1.0 s (the process group was killed)' };
    const first = isolate(unit([0, 1]), attempt([undefined, undefined], { death: { step: 0, ...timeout } }));
    expect(first.outcomes).toEqual([{ item: 0, outcome: { status: 'error', error: timeout.text, reason: 'timeout' } }]);
    expect(first.retry).toEqual([unit([1], { stalled: 1 })]);

    const later = isolate(unit([0, 1, 2]), attempt([ok(1), undefined, undefined], { death: { step: 1, ...timeout } }));
    expect(later.outcomes.map((o) => o.item)).toEqual([0]);
    expect(later.retry).toEqual([unit([1], { freshProcess: true }), unit([2])]);
  });

  it('stops after a target timed out twice in a row before answering anything, with a timeout error for the rest', () => {
    const death = { step: 0, cause: 'timeout' as const, text: 'evaluation timed out after 1.0 s (the process group was killed)' };
    const r = isolate(unit([1, 2, 3], { stalled: 1 }), attempt([undefined, undefined, undefined], { death }));
    expect(r.retry).toEqual([]);
    expect(r.outcomes[0]).toEqual({ item: 1, outcome: { status: 'error', error: death.text, reason: 'timeout' } });
    for (const o of r.outcomes.slice(1)) {
      expect(o.outcome).toMatchObject({ status: 'error', reason: 'timeout' });
      expect((o.outcome as { error: string }).error).toMatch(/^not evaluated: this target timed out twice in a row/);
    }
    expect(r.outcomes.map((o) => o.item)).toEqual([1, 2, 3]);
  });

  it('pins a death while loading the target on the target when it is clearly its own, else runs the unit again fresh', () => {
    const own = isolate(unit([0, 1]), { items: [], fresh: true, traced: true, death: { step: 't', cause: 'exit', text: 'nix exited (code 1) during evaluation without an error message' } });
    expect(own.outcomes.map((o) => o.outcome)).toEqual([0, 1].map(() => ({ status: 'error', error: 'nix exited (code 1) during evaluation without an error message', reason: 'target' })));
    const suspect = isolate(unit([0, 1]), { items: [], fresh: false, traced: true, death: { step: 't', cause: 'exit', text: 'nix was killed by SIGKILL (out of memory?) during evaluation' } });
    expect(suspect).toEqual({ outcomes: [], retry: [unit([0, 1], { freshProcess: true })] });
  });

  it('answers every unanswered item with the cancellation and runs nothing again', () => {
    const r = isolate(unit([0, 1, 2]), attempt([ok(1), undefined, undefined], { death: { step: 1, cause: 'cancelled', text: 'evaluation was cancelled' } }));
    expect(r.retry).toEqual([]);
    expect(r.outcomes.slice(1)).toEqual([1, 2].map((item) => ({ item, outcome: { status: 'error', error: 'evaluation was cancelled', reason: 'fatal' } })));
  });

  it('fills what an answer leaves out: a missing path, no type, no evidence; and keeps evidence and declared as given', () => {
    const evidence = { option: ['a'], subPath: [], isDefined: true, priority: 100, source: 'set', modulesPath: null, declarations: [], declarationPositions: [], definitions: [], overridden: [], overriddenKnown: null };
    const r = isolate(unit([0, 1]), attempt([{ ok: true, value: null }, { ok: true, value: { exists: true, value: 0, type: 'int', evidence, declared: false } }]));
    expect(r.outcomes).toEqual([
      { item: 0, outcome: { status: 'value', exists: false, value: null, type: null, evidence: null, declared: null } },
      { item: 1, outcome: { status: 'value', exists: true, value: 0, type: 'int', evidence, declared: false } },
    ]);
  });

  it('refuses an attempt that left items unanswered although its process lived', () => {
    expect(() => isolate(unit([0, 1]), attempt([ok(1), undefined]))).toThrow('a session attempt left items unanswered without dying');
  });

  it('gives a death Nix explained its message only, and nixcheck\'s own words about a death whole', () => {
    const said = isolate(unit([0, 1]), attempt([ok(1), undefined], { death: { step: 1, cause: 'exit', text: 'error: stack overflow (possible infinite recursion)\n\n       … while evaluating the attribute \'x\'' } }));
    expect(said.outcomes[1]).toEqual({ item: 1, outcome: { status: 'error', error: 'error: stack overflow (possible infinite recursion)', reason: 'fatal' } });

    const text = 'nix exited (code 1) during evaluation without an error message:\nwarning: unknown setting\n\n       … while evaluating the attribute \'x\'';
    const unsaid = isolate(unit([0]), attempt([undefined], { fresh: true, death: { step: 0, cause: 'exit', text } }));
    expect(unsaid.outcomes).toEqual([{ item: 0, outcome: { status: 'error', error: text, reason: 'fatal' } }]);
  });

  it('takes only an exit\'s `error:` text as Nix\'s word: a later step that timed out stays a suspect', () => {
    const r = isolate(unit([0, 1, 2]), attempt([ok(1), undefined, undefined], { death: { step: 1, cause: 'timeout', text: 'error: evaluation timed out' } }));
    expect(r.outcomes.map((o) => o.item)).toEqual([0]);
    expect(r.retry).toEqual([unit([1], { freshProcess: true }), unit([2])]);
  });

  it('counts only timeouts as stalling: another death on the first step starts the count again', () => {
    const text = 'nix was killed by SIGKILL (out of memory?) during evaluation';
    const r = isolate(unit([0, 1, 2], { stalled: 1 }), attempt([undefined, undefined, undefined], { fresh: true, death: { step: 0, cause: 'exit', text } }));
    expect(r.outcomes).toEqual([{ item: 0, outcome: { status: 'error', error: text, reason: 'fatal' } }]);
    expect(r.retry).toEqual([unit([1, 2])]);
  });

  it('pins a timeout while loading the target on the target, even in a process that ran others before (the time was its own)', () => {
    const text = 'evaluation timed out after 1.0 s (the process group was killed)';
    const r = isolate(unit([0, 1]), { items: [], fresh: false, traced: true, death: { step: 't', cause: 'timeout', text } });
    expect(r).toEqual({ outcomes: [0, 1].map((item) => ({ item, outcome: { status: 'error', error: text, reason: 'timeout' } })), retry: [] });
  });

  it('always ends: random deaths settle every item in finitely many attempts, each item exactly once', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const count = 1 + Math.floor(random() * 20);
      const settled = new Map<number, number>();
      let queue: WorkUnit[] = [unit(Array.from({ length: count }, (_, i) => i))];
      let attempts = 0;
      let processUnits = 0;
      while (queue.length) {
        const u = queue.shift()!;
        if (u.freshProcess || random() < 0.3) processUnits = 0;
        const fresh = processUnits++ === 0;
        attempts++;
        expect(attempts).toBeLessThan(1000);
        const dieAt = random() < 0.5 ? Math.floor(random() * u.items.length) : -1;
        const cause = (['exit', 'timeout'] as const)[Math.floor(random() * 2)]!;
        const said = random() < 0.5;
        const items = u.items.map((_, p) => (dieAt < 0 || p < dieAt ? ok(p) : undefined));
        const r = isolate(u, attempt(items, { fresh, ...(dieAt >= 0 ? { death: { step: dieAt, cause, text: said && cause === 'exit' ? 'error: x' : 'killed' } } : {}) }));
        for (const o of r.outcomes) settled.set(o.item, (settled.get(o.item) ?? 0) + 1);
        queue = [...r.retry, ...queue];
      }
      expect([...settled.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
      expect([...settled.values()].every((n) => n === 1)).toBe(true);
    }
  });
});
