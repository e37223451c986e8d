import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPACT_LINE_CHARS, EVIDENCE_FILE, PROGRAM_FILES, PROGRAM_PATHS, READ_PROBE_FILE, TranscriptParser, compactLines, flakeLine, itemLines, preludeLines, targetLines, traceSwitch, type SessionEvent, type StepResult } from '../../src/nix/session-protocol.js';
import { tokenize } from '../../src/evidence/nix-tokens.js';
import { throwsText } from '../../src/match/throws-text.js';
import { isolate } from '../../src/nix/isolation.js';
import { nixErrorMessage } from '../../src/nix/nix-cli.js';
import { REPO } from '../helpers/paths.js';

const NONCE = '5eed0f0c';

function parse(text: string, nonce = NONCE): { steps: Map<string, StepResult>; ends: Map<string, string>; files: string[] } {
  const parser = new TranscriptParser(nonce);
  const events: SessionEvent[] = text.split('\n').flatMap((line) => parser.line(line));
  const steps = new Map<string, StepResult>();
  const ends = new Map<string, string>();
  const files: string[] = [];
  for (const e of events) {
    if (e.kind === 'step') steps.set(`${e.unit}:${e.step}`, e.result);
    else if (e.kind === 'end') ends.set(`${e.unit}:${e.step}`, e.output);
    else if ('evaluated' in e.report) files.push(e.report.evaluated);
  }
  return { steps, ends, files };
}

function answer(r: StepResult | undefined): unknown {
  if (!r?.ok) throw new Error(`expected an answer, got ${JSON.stringify(r)}`);
  return (r.value as { value: unknown }).value;
}

function failure(r: StepResult | undefined): string {
  if (!r || r.ok) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

describe('the lines typed into the repl', () => {
  it('read the files shipped beside this module', () => {
    const nix = (file: string) => join(REPO, 'src', 'nix', file);
    expect(READ_PROBE_FILE).toBe(nix('read-probe.nix'));
    expect(EVIDENCE_FILE).toBe(nix('evidence.nix'));
    expect(PROGRAM_PATHS).toEqual([nix('read-probe.nix'), nix('session.nix'), nix('common.nix'), nix('engine.nix'), nix('evidence.nix')]);
  });

  it('are fixed Nix text: numbers and nixcheck\'s own names, never request data', () => {
    expect(preludeLines(NONCE).at(-1)!.endsWith(`"${NONCE}")`)).toBe(true);
    expect(flakeLine(1)).toBe('_f1 = _nc.flake 1');
    expect(targetLines(NONCE, 3, [0, 1])).toEqual(['_u = _nc.load 3 [ _f0 _f1 ]', '_nc.ready 3 _u', `builtins.trace "nixcheck:${NONCE}:end:3:t" null`]);
    expect(targetLines(NONCE, 4)[0]).toBe('_u = _nc.load 4 [ ]');
    expect(itemLines(NONCE, 3, [0, 1])).toEqual(['_nc.item 3 _u 0', '_nc.item 3 _u 1', `builtins.trace "nixcheck:${NONCE}:end:3:1" null`]);
    expect(itemLines(NONCE, 3, [4, 2, 7])).toEqual(['_nc.item 3 _u 4', '_nc.item 3 _u 2', '_nc.item 3 _u 7', `builtins.trace "nixcheck:${NONCE}:end:3:7" null`]);
    expect(itemLines(NONCE, 3, [])).toEqual([]);
    expect(() => itemLines(NONCE, 3, [-1])).toThrow(/step number/);
    expect(() => preludeLines('a"; abort "x')).toThrow(/hex/);
    expect(() => targetLines(NONCE, 1.5)).toThrow(/step number/);
  });

  it('take only a nonce of hex digits, all of it, and only whole numbers from 0 up', () => {
    for (const nonce of ['', 'x5eed', '5eedx', '5EED']) expect(() => preludeLines(nonce)).toThrow(`session nonce must be hex: ${nonce}`);
    expect(() => new TranscriptParser('x5eed')).toThrow(/hex/);
    expect(() => itemLines('x5eed', 0, [0])).toThrow(/hex/);
    expect(flakeLine(0)).toBe('_f0 = _nc.flake 0');
    expect(() => flakeLine(-1)).toThrow('not a step number: -1');
    expect(() => itemLines(NONCE, 2 ** 53, [0])).toThrow(/step number/);
  });
});

describe('switching traces on and off in the repl', () => {
  it.each([
    ['2.8.0', ':st'],
    ['2.6.1', ':st'],
    ['2.9.0', ':te'],
    ['2.18.8', ':te'],
    ['2.24.10', ':te'],
    ['2.91.1', ':te'], // Lix
    ['3.6.2', ':te'], // Determinate Nix's own version, when it comes first
    ['3.1.0', ':te'],
    ['12.0', ':te'],
  ])('Nix %s: %s', (version, command) => {
    expect(traceSwitch(version)).toEqual({ on: `${command} true`, off: `${command} false` });
  });

  it.each(['2.5.1', '2.3.16', '1.11', 'unknown', 'nix 2.8.0'])('Nix %s: none (a process with --show-trace instead)', (version) => {
    expect(traceSwitch(version)).toBeUndefined();
  });
});

describe('the program typed in at the start of a session', () => {
  const text = (file: string) => readFileSync(join(REPO, 'src', 'nix', file), 'utf8');

  it('binds common.nix and engine.nix, whole, and session.nix applied to them and evidence.nix, each input wrapped so that only its last line completes it', () => {
    const [probe, ...inputs] = preludeLines(NONCE);
    const [session, common, engine] = (['session', 'common', 'engine'] as const).map((name) => compactLines(text(PROGRAM_FILES[name])));
    expect(probe).toBe('import (/. + builtins.getEnv "NIXCHECK_READ_PROBE")');
    expect(inputs).toEqual([
      `_ncCommon = (\n${common}\n)`,
      `_ncEngine = (\n${engine}\n)`,
      `_nc = ((\n${session}\n) { common = _ncCommon; evidence = import (/. + builtins.getEnv "NIXCHECK_EVIDENCE"); engine = _ncEngine; } "${NONCE}")`,
    ]);
    for (const input of inputs) {
      const lines = input.split('\n');
      const open = (upTo: number) => tokenize(lines.slice(0, upTo).join('\n')).reduce((depth, t) => depth + (t.text === '(' ? 1 : t.text === ')' ? -1 : 0), 0);
      for (let i = 1; i < lines.length; i++) expect(open(i)).toBeGreaterThan(0);
      expect(open(lines.length)).toBe(0);
    }
  });

  it.each(Object.values(PROGRAM_FILES))('keeps every token of %s, in lines of at most 400 characters', (file) => {
    const tokens = (source: string) => tokenize(source).map((t) => t.text);
    const compact = compactLines(text(file));
    expect(tokens(compact)).toEqual(tokens(text(file)));
    for (const line of compact.split('\n')) expect(line.length).toBeLessThanOrEqual(COMPACT_LINE_CHARS);
    expect(compact.split('\n').length).toBeLessThan(text(file).split('\n').length / 3);
  });

  it('joins a line when the joined line is the width exactly, not when it is one more', () => {
    const a = 'a'.repeat(200);
    expect(compactLines(`${a}\n${'b'.repeat(COMPACT_LINE_CHARS - 201)}`).split('\n')).toHaveLength(1);
    expect(compactLines(`${a}\n${'b'.repeat(COMPACT_LINE_CHARS - 200)}`).split('\n')).toHaveLength(2);
  });

  it('drops comment lines and blank lines, and joins the rest up to the width', () => {
    expect(compactLines('# a comment\n{\n  a = "x#y";\n\n   # indented comment\n  b = 1;\n}\n')).toBe('{ a = "x#y"; b = 1; }');
    const long = Array.from({ length: 30 }, (_, i) => `  attribute${i} = ${i};`).join('\n');
    const lines = compactLines(long).split('\n');
    expect(lines.length).toBe(2);
    expect(lines[0]!.length).toBeLessThanOrEqual(COMPACT_LINE_CHARS);
    expect(lines[0]!.length + 1 + lines[1]!.split(' ').slice(0, 3).join(' ').length).toBeGreaterThan(COMPACT_LINE_CHARS);
  });
});

describe.each([
  ['nix-2.8.stderr', 'captured from Nix 2.8'],
  ['nix-2.31.stderr', 'reconstructed: current Nix'],
  ['lix-2.93.stderr', 'reconstructed: Lix, colours on'],
])('reading a session transcript: %s (%s)', (file) => {
  // Parsed in each test, not while collecting them: mutation testing credits only code a test runs.
  const read = () => parse(readFileSync(join(REPO, 'test', 'fixtures', 'repl-transcripts', file), 'utf8'));

  it('answers every step, each with its own value or its own error', () => {
    const { steps, ends } = read();
    expect([...steps.keys()]).toEqual(['0:t', '0:0', '0:1', '0:2', '0:3', '0:4', '0:5', '0:6', '0:7', '1:t']);
    expect([...ends.keys()]).toEqual(['0:t', '0:7', '1:t']);
    expect(steps.get('0:t')).toEqual({ ok: true, value: true });
    expect(answer(steps.get('0:0'))).toBe(42);
    // Nix's message: first on Nix 2.8, last on later versions, frames on either side.
    expect(failure(steps.get('0:1'))).toMatch(/^error:/);
    expect(nixErrorMessage(failure(steps.get('0:1')))).toBe('error: engine-fixture: deliberate throw');
    expect(failure(steps.get('0:2'))).toMatch(/error: evaluation aborted with the following error message: 'engine-fixture: deliberate abort'/);
    expect(failure(steps.get('0:3'))).toMatch(/error: infinite recursion encountered/);
    expect(failure(steps.get('0:4'))).toMatch(/error: assertion '\(1 == 2\)' failed/);
    expect(answer(steps.get('0:5'))).toEqual([1, 'two', { three: 3 }]);
    expect(answer(steps.get('0:7'))).toBe('hello');
    expect(nixErrorMessage(failure(steps.get('1:t')))).toBe('error: engine-fixture: this whole target is broken');
  });

  it('keeps the program\'s own traces, banners and notices out of error messages, and no colour codes in them', () => {
    const { steps } = read();
    const traced = failure(steps.get('0:6'));
    expect(traced).toMatch(/^error:/);
    expect(nixErrorMessage(traced)).toBe('error: engine-fixture: traced then threw');
    for (const r of steps.values()) {
      if (r.ok) continue;
      expect(r.error).not.toMatch(new RegExp(`^trace: |Type :\\? for help|tcsetattr|evaluating file|nixcheck:${NONCE}|\u001b\\[`, 'm'));
    }
  });

  it('collects the files Nix says it evaluated', () => {
    const { files } = read();
    expect(files).toContain('/home/user/nixcheck/src/nix/session.nix');
    expect(files.some((f) => /^\/nix\/store\/[a-z0-9]{32}-source\/flake\.nix$/.test(f))).toBe(true);
  });
});

describe('what `throws:` sees of a step\'s error (Nix 2.8 with --show-trace, captured)', () => {
  // The capture's checkout is /home/user/nixcheck; here it is this one, whose frames are nixcheck's own.
  it('is the message and the frames in the configuration, without nixcheck\'s files or the lines it typed', () => {
    const transcript = readFileSync(join(REPO, 'test', 'fixtures', 'repl-transcripts', 'nix-2.8.stderr'), 'utf8').replaceAll('/home/user/nixcheck/', `${REPO}/`);
    const { steps } = parse(transcript);
    const [{ outcome }] = isolate({ target: 0, items: [1], freshProcess: false }, { target: { ok: true, value: true }, items: [steps.get('0:1')], fresh: false, traced: true }).outcomes;
    expect(outcome).toMatchObject({ status: 'error', error: 'error: engine-fixture: deliberate throw', reason: 'throw' });
    expect(throwsText(outcome as { error: string; trace: string })).toBe(
      [
        'error: engine-fixture: deliberate throw',
        '',
        "       … while evaluating the attribute 'throwing'",
        '',
        '       at /nix/store/fsdnv3fvp8cbdawb6qz9a0zag6sw1ryi-source/flake.nix:20:11:',
      ].join('\n'),
    );
  });
});

describe('TranscriptParser, defensively', () => {
  it('takes no marker without the session\'s nonce for its own, so evaluated code cannot forge answers', () => {
    const { steps } = parse(
      [
        `trace: nixcheck:${NONCE}:begin:0:0`,
        'trace: nixcheck:00000000:value:0:0:{"exists":true,"value":"forged"}',
        'trace: nixcheck:00000000:begin:0:1',
        'error: the real failure',
        `trace: nixcheck:${NONCE}:end:0:0`,
      ].join('\n'),
    );
    expect([...steps.keys()]).toEqual(['0:0']);
    expect(failure(steps.get('0:0'))).toBe('error: the real failure');
  });

  it('ignores an answer that belongs to another step, and says so when an answer cannot be read', () => {
    const { steps } = parse(
      [
        `trace: nixcheck:${NONCE}:begin:0:0`,
        `trace: nixcheck:${NONCE}:value:0:1:{"value":1}`,
        'error: step 0 failed',
        `trace: nixcheck:${NONCE}:begin:0:1`,
        `trace: nixcheck:${NONCE}:value:0:1:{not json`,
        `trace: nixcheck:${NONCE}:end:0:1`,
      ].join('\n'),
    );
    expect(failure(steps.get('0:0'))).toBe('error: step 0 failed');
    expect(failure(steps.get('0:1'))).toMatch(/^nixcheck could not read the answer Nix printed/);
  });

  it('hands output from outside any step (an error before a step could begin) to the end marker', () => {
    const { steps, ends } = parse(['error: undefined variable \'_nc\'', `trace: nixcheck:${NONCE}:end:4:t`].join('\n'));
    expect(steps.size).toBe(0);
    expect(ends.get('4:t')).toBe("error: undefined variable '_nc'");
  });

  it('says which step was in flight, and what it printed, when the output stops', () => {
    const parser = new TranscriptParser(NONCE);
    for (const line of [`trace: nixcheck:${NONCE}:begin:2:0`, `trace: nixcheck:${NONCE}:value:2:0:{}`, `trace: nixcheck:${NONCE}:begin:2:1`, 'error: stack overflow (possible infinite recursion)']) parser.line(line);
    expect(parser.inFlight()).toEqual({ unit: 2, step: 1, output: 'error: stack overflow (possible infinite recursion)' });
  });

  it('keeps every line a step printed before it died, and the output outside any step so far', () => {
    const parser = new TranscriptParser(NONCE);
    for (const line of ['banner one', 'banner two', `trace: nixcheck:${NONCE}:end:2:t`, 'warning: a', 'warning: b']) parser.line(line);
    expect(parser.outsideOutput()).toBe('warning: a\nwarning: b');
    expect(parser.inFlight()).toBeUndefined();
    for (const line of [`trace: nixcheck:${NONCE}:begin:2:0`, 'trace: mine', 'error: stack overflow']) parser.line(line);
    expect(parser.inFlight()).toEqual({ unit: 2, step: 0, output: 'trace: mine\nerror: stack overflow' });
    expect(parser.outsideOutput()).toBe('warning: a\nwarning: b');
  });

  it('reads an answer marker without an answer as unreadable, and quotes at most 200 characters of one', () => {
    const long = `{${'x'.repeat(300)}`;
    const { steps } = parse([`trace: nixcheck:${NONCE}:begin:0:0`, `trace: nixcheck:${NONCE}:value:0:0`, `trace: nixcheck:${NONCE}:begin:0:1`, `trace: nixcheck:${NONCE}:value:0:1:${long}`, `trace: nixcheck:${NONCE}:end:0:1`].join('\n'));
    expect(failure(steps.get('0:0'))).toBe('nixcheck could not read the answer Nix printed: ');
    expect(failure(steps.get('0:1'))).toBe(`nixcheck could not read the answer Nix printed: {${'x'.repeat(199)}`);
  });

  it('hands over each read Nix reports as its own event, whitespace around it dropped, never as a step\'s output', () => {
    const parser = new TranscriptParser(NONCE);
    expect(parser.line(`trace: nixcheck:${NONCE}:begin:0:0`)).toEqual([]);
    expect(parser.line("  evaluating file '/src/host.nix' ")).toEqual([{ kind: 'read', report: { evaluated: '/src/host.nix' } }]);
    expect(parser.line("copied source '/src/host' -> '/nix/store/abc-source'")).toEqual([{ kind: 'read', report: { copied: '/src/host', to: '/nix/store/abc-source' } }]);
    expect(parser.line('error: boom')).toEqual([]);
    expect(parser.line(`trace: nixcheck:${NONCE}:end:0:0`)).toEqual([
      { kind: 'step', unit: 0, step: 0, result: { ok: false, error: 'error: boom' } },
      { kind: 'end', unit: 0, step: 0, output: '' },
    ]);
  });

  it('takes an answer only for the step in flight: not another unit\'s, not with no step begun', () => {
    const { steps } = parse(
      [`trace: nixcheck:${NONCE}:value:0:0:{"value":"early"}`, `trace: nixcheck:${NONCE}:begin:0:0`, `trace: nixcheck:${NONCE}:value:1:0:{"value":"other unit"}`, 'error: step 0 of unit 0 failed', `trace: nixcheck:${NONCE}:end:0:0`].join('\n'),
    );
    expect([...steps.keys()]).toEqual(['0:0']);
    expect(failure(steps.get('0:0'))).toBe('error: step 0 of unit 0 failed');
  });

  it('hands every line from outside a step to the end marker', () => {
    const { ends } = parse(['Welcome to Nix', 'Failed tcsetattr(TCSADRAIN): Inappropriate ioctl for device', `trace: nixcheck:${NONCE}:end:0:t`].join('\n'));
    expect(ends.get('0:t')).toBe('Welcome to Nix\nFailed tcsetattr(TCSADRAIN): Inappropriate ioctl for device');
  });

  it('reads markers behind a log prefix and carriage returns', () => {
    const { steps } = parse([`<4>trace: nixcheck:${NONCE}:begin:2:t\r`, `<4>trace: nixcheck:${NONCE}:value:2:t:true\r`, `\r<4>trace: nixcheck:${NONCE}:end:2:t`].join('\n'));
    expect(steps.get('2:t')).toEqual({ ok: true, value: true });
  });
});
