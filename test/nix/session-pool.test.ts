import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectNix, NIX_FEATURE_ARGS } from '../../src/nix/nix-cli.js';
import { engineRequest } from '../../src/nix/request.js';
import { EVIDENCE_FILE, READ_PROBE_FILE, SESSION_ENV, TranscriptParser, preludeLines, targetLines, traceSwitch, type TraceSwitch } from '../../src/nix/session-protocol.js';
import type { EvalItem, ItemOutcome } from '../../src/nix/request.js';
import { evaluateInSessions } from '../../src/nix/session-pool.js';
import { ENGINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

const plain = { config: null, priority: 100 };
const item = (path: string[]): EvalItem => ({ variant: plain, root: 'config', path, evidence: false });
const edge = { kind: 'flake' as const, flake: ENGINE_FLAKE, attrPath: ['nixosConfigurations', 'edge'] };
const broken = { ...edge, attrPath: ['nixosConfigurations', 'broken'] };
const prioritiesFile = join(REPO, 'test/fixtures/priorities/system.nix');
const priorities = { kind: 'file' as const, file: prioritiesFile, attrPath: [] };

function valueOf(o: ItemOutcome | undefined): unknown {
  if (o?.status !== 'value') throw new Error(`expected a value, got ${JSON.stringify(o)}`);
  return o.value;
}

describe('evaluateInSessions (many targets, real nix)', () => {
  it('evaluates many targets in one process per job, each target its own failures', async () => {
    const started: number[] = [];
    const done: number[] = [];
    const { targets: runs, processes } = await evaluateInSessions(
      [
        { base: edge, items: [item(['plain']), item(['aborting'])] },
        { base: broken, items: [item(['plain'])] },
        { base: priorities, items: [item(['limits', 'nofile'])] },
        { base: edge, items: [item(['text'])] },
      ],
      { jobs: 1, timeoutMs: 60_000, onTargetStart: (t) => started.push(t), onTargetDone: (t) => done.push(t) },
    );
    expect(runs.map((r) => r.processes)).toEqual([1, 1, 1, 1]);
    expect(processes).toEqual({ started: 1, peak: 1 });
    expect(valueOf(runs[0]!.outcomes[0])).toBe(42);
    expect(runs[0]!.outcomes[1]).toMatchObject({ status: 'error', reason: 'throw' });
    expect(runs[1]!.outcomes[0]).toMatchObject({ status: 'error', reason: 'target' });
    expect(valueOf(runs[2]!.outcomes[0])).toBe(1024);
    expect(valueOf(runs[3]!.outcomes[0])).toBe('hello');
    expect(started).toEqual([0, 1, 2, 3]);
    expect(done).toEqual([0, 1, 2, 3]);
  });

  it('hands the process its next target before telling the caller that one is done, and fails with the caller\'s error once all are evaluated', async () => {
    const events: string[] = [];
    const run = evaluateInSessions(
      [0, 1, 2].map(() => ({ base: edge, items: [item(['plain'])] })),
      {
        jobs: 1,
        timeoutMs: 60_000,
        onTargetStart: (t) => events.push(`start ${t}`),
        onTargetDone: (t, r) => {
          events.push(`done ${t}`);
          if (t === 0) throw new Error(`the caller failed on ${valueOf(r.outcomes[0])}`);
        },
      },
    );
    await expect(run).rejects.toThrow('the caller failed on 42');
    expect(events).toEqual(['start 0', 'start 1', 'done 0', 'start 2', 'done 1', 'done 2']);
  });

  it('never loses another target\'s answers when one ends the process', async () => {
    const { targets: runs } = await evaluateInSessions(
      [
        { base: edge, items: [item(['plain']), item(['overflowing']), item(['list'])] },
        { base: priorities, items: [item(['limits', 'nofile'])] },
      ],
      { jobs: 1, timeoutMs: 60_000 },
    );
    expect(valueOf(runs[0]!.outcomes[0])).toBe(42);
    expect(runs[0]!.outcomes[1]).toMatchObject({ status: 'error' });
    expect((runs[0]!.outcomes[1] as { error: string }).error).toMatch(/stack overflow/);
    expect(valueOf(runs[0]!.outcomes[2])).toEqual([1, 'two', { three: 3 }]);
    expect(valueOf(runs[1]!.outcomes[0])).toBe(1024);
  });

  it('keeps at most `jobs` processes and spreads targets over them', async () => {
    const targets = Array.from({ length: 6 }, (_, i) => ({ base: edge, items: [item(i % 2 ? ['plain'] : ['text'])] }));
    const { targets: runs, processes } = await evaluateInSessions(targets, { jobs: 2, timeoutMs: 60_000 });
    runs.forEach((r, i) => expect(valueOf(r.outcomes[0])).toBe(i % 2 ? 42 : 'hello'));
    expect(processes).toEqual({ started: 2, peak: 2 });
  });

  it('replaces a process that has grown past the limit before its next target, one at a time', async () => {
    const targets = Array.from({ length: 3 }, () => ({ base: edge, items: [item(['plain'])] }));
    const { targets: runs, processes } = await evaluateInSessions(targets, { jobs: 1, timeoutMs: 60_000, recycleRssBytes: 1 });
    runs.forEach((r) => expect(valueOf(r.outcomes[0])).toBe(42));
    expect(processes).toEqual({ started: 3, peak: 1 });
  });

  it('says which files each target\'s process had evaluated by the time the target ended', async () => {
    const before = Date.now();
    const { targets: runs } = await evaluateInSessions(
      [
        { base: priorities, items: [item(['limits', 'nofile'])] },
        { base: edge, items: [item(['plain'])] },
      ],
      { jobs: 1, timeoutMs: 60_000, reportReads: true },
    );
    expect(runs[0]!.processStartedAt).toBeGreaterThanOrEqual(before);
    expect(runs[1]!.processStartedAt).toBe(runs[0]!.processStartedAt);
    const [first, second] = runs.map((r) => [...r.reads!.evaluatedFiles]);
    expect(first).toContain(prioritiesFile);
    expect(first).toContain(join(REPO, 'fixtures/offline/lib/modules.nix'));
    expect(first).toContain(join(REPO, 'src/nix/read-probe.nix'));
    expect(first!.some((f) => f.endsWith('-source/flake.nix'))).toBe(false);
    // The same process: everything it read before, and the flake's own files now.
    expect(second).toEqual(expect.arrayContaining(first!));
    expect(second!.some((f) => f.endsWith('-source/flake.nix'))).toBe(true);
  });

  it('gives an error its trace at once, in the same process, where it is wanted and the repl can switch traces', async () => {
    const asked: [number, number, string][] = [];
    const items = [item(['throwing']), item(['aborting']), item(['plain'])];
    const run = (traceSwitch: TraceSwitch | undefined) =>
      evaluateInSessions([{ base: edge, items }], {
        jobs: 1,
        timeoutMs: 60_000,
        ...(traceSwitch ? { traceSwitch } : {}),
        traceWanted: (target, i, outcome) => {
          asked.push([target, i, outcome.status === 'error' ? outcome.error : '']);
          return i === 0;
        },
      });
    const { targets: runs, processes } = await run(traceSwitch(await detectNix().then((n) => n.version)));
    expect(processes.started).toBe(1);
    // Asked once per error, with the error as its message alone; never for a value.
    expect(asked).toEqual([
      [0, 0, 'error: engine-fixture: deliberate throw'],
      [0, 1, 'error: evaluation aborted with the following error message: \'engine-fixture: deliberate abort\''],
    ]);
    const [throwing, aborting, plainValue] = runs[0]!.outcomes;
    expect(throwing).toMatchObject({ status: 'error', reason: 'throw', error: 'error: engine-fixture: deliberate throw' });
    expect((throwing as { trace?: string }).trace).toMatch(/^error: engine-fixture: deliberate throw\n[\s\S]*… while evaluating/);
    expect(aborting).not.toHaveProperty('trace');
    expect(valueOf(plainValue)).toBe(42);

    // Without a way to switch (a Nix before 2.6), nobody is asked and nothing is traced.
    asked.length = 0;
    const without = await run(undefined);
    expect(asked).toEqual([]);
    expect(without.targets[0]!.outcomes[0]).not.toHaveProperty('trace');
  });

  it('evaluates an item\'s follow-up in the same process, before the target is done, and asks nothing of follow-ups', async () => {
    const asked: [number, number][] = [];
    const done: number[] = [];
    const { targets: runs, processes } = await evaluateInSessions(
      [
        { base: edge, items: [item(['plain']), item(['text'])] },
        { base: priorities, items: [item(['limits', 'nofile'])] },
      ],
      {
        jobs: 1,
        timeoutMs: 60_000,
        followUp: (target, i, outcome) => {
          asked.push([target, i]);
          return target === 0 && i === 1 && outcome.status === 'value' ? item(['list']) : undefined;
        },
        onTargetDone: (t, run) => {
          done.push(t);
          if (t === 0) expect(run.followUps).toHaveLength(1);
        },
      },
    );
    expect(processes.started).toBe(1);
    expect(asked).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    expect(runs[0]!.outcomes.map(valueOf)).toEqual([42, 'hello']);
    expect(runs[0]!.followUps).toEqual([{ item: 1, followUp: item(['list']), outcome: expect.objectContaining({ value: [1, 'two', { three: 3 }] }) }]);
    expect(runs[1]!.followUps).toBeUndefined();
    // The follow-up went first in the queue: target 0 was done before target 1 began.
    expect(done).toEqual([0, 1]);
  });

  it('reports no reads unless asked to', async () => {
    const { targets: runs } = await evaluateInSessions([{ base: priorities, items: [item(['limits', 'nofile'])] }], { jobs: 1, timeoutMs: 60_000 });
    expect(valueOf(runs[0]!.outcomes[0])).toBe(1024);
    expect(runs[0]!.reads).toBeUndefined();
  });

  it('never answers a unit from another unit\'s binding (as when the repl refuses a binding)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '0.json'), JSON.stringify(engineRequest(priorities, [item(['limits', 'nofile'])])));
    // Unit 1's binding line is left out: `_u` is still unit 0's.
    const lines = [...preludeLines('ab'), ...targetLines('ab', 0), ...targetLines('ab', 1).slice(1)];
    const repl = spawnSync('nix', [...NIX_FEATURE_ARGS, 'repl'], { input: `${lines.join('\n')}\n`, env: { ...process.env, [SESSION_ENV.probe]: READ_PROBE_FILE, [SESSION_ENV.evidence]: EVIDENCE_FILE, [SESSION_ENV.dir]: dir }, encoding: 'utf8' });
    const parser = new TranscriptParser('ab');
    const steps = repl.stderr.split('\n').flatMap((l) => parser.line(l)).filter((e) => e.kind === 'step');
    expect(steps.map((e) => [e.unit, e.result.ok])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect(steps[1]!.kind === 'step' && !steps[1]!.result.ok && steps[1]!.result.error).toMatch(/the repl did not bind unit 1/);
  });
});
