/**
 * Workflow commands in process: escaping, annotations, the guard around output that could
 * be read as commands, and installing it on this process's streams.
 * (github-commands.test.ts runs nixcheck itself as GitHub Actions would.)
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { escapeData, escapeProperty, formatAnnotation, guardWorkflowCommands } from '../../src/report/github-commands.js';
import { runnerCommands } from '../helpers/workflow-commands.js';

describe('GitHub workflow-command escaping', () => {
  it('escapes %, CR and LF in messages, and also : and , in properties', () => {
    expect(escapeData('100% a\r\nb: c, d')).toBe('100%25 a%0D%0Ab: c, d');
    expect(escapeData('%%\n\n\r\r')).toBe('%25%25%0A%0A%0D%0D');
    expect(escapeProperty('100% a\r\nb: c, d')).toBe('100%25 a%0D%0Ab%3A c%2C d');
    expect(escapeProperty('a::b,,c')).toBe('a%3A%3Ab%2C%2Cc');
    expect(formatAnnotation({ level: 'error', file: 'suites/a,b:c.yaml', line: 3, col: 7, title: 'x: y, z', message: 'one\ntwo 5%' })).toBe(
      '::error file=suites/a%2Cb%3Ac.yaml,line=3,col=7,title=x%3A y%2C z::one%0Atwo 5%25',
    );
  });

  it('an annotation names only the properties it has, and a Windows path with slashes', () => {
    expect(formatAnnotation({ level: 'notice', message: 'm' })).toBe('::notice::m');
    expect(formatAnnotation({ level: 'warning', file: 'suites\\unit\\a.yaml', message: 'm' })).toBe('::warning file=suites/unit/a.yaml::m');
    expect(formatAnnotation({ level: 'error', line: 4, message: 'm' })).toBe('::error line=4::m');
    expect(formatAnnotation({ level: 'error', col: 2, message: 'm' })).toBe('::error col=2::m');
    expect(formatAnnotation({ level: 'error', title: 't', message: 'm' })).toBe('::error title=t::m');
  });
});

/** A guard whose token is `T`, with each write it makes kept apart. */
function guardWithWrites() {
  const writes: string[] = [];
  return { writes, guard: guardWorkflowCommands((t) => void writes.push(t), () => 'T') };
}

describe('the workflow-command guard', () => {
  it('wraps only blocks where a line could be a command, and keeps commands it is asked to write', () => {
    let out = '';
    const guard = guardWorkflowCommands((t) => (out += t), () => 'TOKEN');
    guard.write('plain line\n');
    guard.write('case "innocent\n   ::error file=flake.nix,line=1::injected" failed\n');
    guard.command('::error file=suite.yaml,line=3::real');
    guard.flush();
    expect(out).toBe('plain line\n::stop-commands::TOKEN\ncase "innocent\n   ::error file=flake.nix,line=1::injected" failed\n::TOKEN::\n::error file=suite.yaml,line=3::real\n');
    expect(runnerCommands(out)).toEqual(['::error file=suite.yaml,line=3::real']);
  });

  it('a command split across writes, or in a last line without newline, is still caught', () => {
    let out = '';
    const guard = guardWorkflowCommands((t) => (out += t));
    guard.write('abc\n:');
    guard.write(':error::split\nmore\n\u0085::warning::');
    guard.write('nel');
    guard.flush();
    expect(runnerCommands(out)).toEqual([]);
    expect(out.replace(/::stop-commands::\S+\n|::nixcheck-[0-9a-f]+::\n/g, '')).toBe('abc\n::error::split\nmore\n\u0085::warning::nel\n');
  });

  it('holds an unfinished line until its end, or until flushed; a flush with nothing held writes nothing', () => {
    const { writes, guard } = guardWithWrites();
    guard.write('no end');
    expect(writes).toEqual([]);
    guard.write(' yet\nnext');
    expect(writes).toEqual(['no end yet\n']);
    guard.flush();
    expect(writes).toEqual(['no end yet\n', 'next']);
    guard.flush();
    guard.write('');
    expect(writes).toEqual(['no end yet\n', 'next']);
  });

  it('a held line that could be a command is wrapped when flushed, ended with a newline', () => {
    const { writes, guard } = guardWithWrites();
    guard.write('::error::x');
    guard.flush();
    expect(writes).toEqual(['::stop-commands::T\n::error::x\n::T::\n']);
  });

  it('a line after a carriage return or a tab counts as a possible command, `:` alone does not', () => {
    const { writes, guard } = guardWithWrites();
    guard.write('a\r::error::x\n');
    guard.write('\t::warning::y\n');
    guard.write('a::b\n: :\n');
    expect(writes).toEqual(['::stop-commands::T\na\r::error::x\n::T::\n', '::stop-commands::T\n\t::warning::y\n::T::\n', 'a::b\n: :\n']);
  });

  it('its own commands end the held line first, and get a newline only when they lack one', () => {
    const { writes, guard } = guardWithWrites();
    guard.write('held');
    guard.command('::notice::a\n');
    guard.command('::notice::b');
    expect(writes).toEqual(['held\n', '::notice::a\n', '::notice::b\n']);
  });

  it('the default token is random: nixcheck- and 32 hex digits, new for each block', () => {
    let out = '';
    const guard = guardWorkflowCommands((t) => (out += t));
    guard.write('::a\n');
    guard.write('::b\n');
    const tokens = [...out.matchAll(/^::stop-commands::(.*)$/gm)].map((m) => m[1]);
    expect(tokens).toHaveLength(2);
    for (const t of tokens) expect(t).toMatch(/^nixcheck-[0-9a-f]{32}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(out).toBe(`::stop-commands::${tokens[0]}\n::a\n::${tokens[0]}::\n::stop-commands::${tokens[1]}\n::b\n::${tokens[1]}::\n`);
  });

  it('no text written through it, however split, makes the runner run a command', () => {
    const piece = fc.oneof(fc.constantFrom('::', ':', '\n', '\r', ' ', '\t', '\u0085', '\u00a0', 'error', 'stop-commands', 'x', '::error::x'), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(fc.array(piece, { maxLength: 8 }).map((p) => p.join('')), { maxLength: 6 }), (writes) => {
        let out = '';
        const guard = guardWorkflowCommands((t) => (out += t));
        for (const w of writes) guard.write(w);
        guard.flush();
        expect(runnerCommands(out)).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('guarding this process', () => {
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write);
  let written: string[][];

  /** A fresh copy of the module (its guard is installed once per process), over streams that record. */
  async function freshModule() {
    written = [[], []];
    streams.forEach((s, i) => {
      s.write = ((chunk: string) => {
        written[i]!.push(chunk);
        return true;
      }) as typeof s.write;
    });
    vi.resetModules();
    return import('../../src/report/github-commands.js');
  }

  afterEach(() => {
    streams.forEach((s, i) => (s.write = originals[i]!));
  });

  it('outside GitHub Actions nothing is guarded, and its commands go to stdout as they are', async () => {
    const m = await freshModule();
    const recording = process.stdout.write;
    m.guardProcessOutput({ GITHUB_ACTIONS: 'false' });
    expect(process.stdout.write).toBe(recording);
    process.stdout.write('::error::x\n');
    m.writeWorkflowCommands('::notice::a');
    m.writeWorkflowCommands('::notice::b\n');
    expect(written[0]).toEqual(['::error::x\n', '::notice::a\n', '::notice::b\n']);
  });

  it('inside GitHub Actions, stdout and stderr are guarded once, and its commands pass the guard', async () => {
    const m = await freshModule();
    m.guardProcessOutput({ GITHUB_ACTIONS: 'true' });
    const guarded = process.stdout.write;
    m.guardProcessOutput({ GITHUB_ACTIONS: 'true' });
    expect(process.stdout.write).toBe(guarded);

    const done = vi.fn();
    expect(process.stdout.write('held', done)).toBe(true);
    process.stderr.write(new TextEncoder().encode('::warning::bytes\n'), 'utf8', done);
    m.writeWorkflowCommands('::notice::own');
    expect(written[0]).toEqual(['held\n', '::notice::own\n']);
    expect(written[1]).toHaveLength(1);
    expect(written[1]![0]).toMatch(/^::stop-commands::(nixcheck-[0-9a-f]{32})\n::warning::bytes\n::\1::\n$/);
    expect(done).not.toHaveBeenCalled();
    await new Promise((resolve) => process.nextTick(resolve));
    expect(done).toHaveBeenCalledTimes(2);
  });

  it('what is held when the process exits is written', async () => {
    const m = await freshModule();
    const before = process.listeners('exit');
    m.guardProcessOutput({ GITHUB_ACTIONS: 'true' });
    const onExit = process.listeners('exit').filter((l) => !before.includes(l));
    expect(onExit).toHaveLength(1);
    process.stdout.write('last words');
    process.stderr.write('::error::last');
    expect(written).toEqual([[], []]);
    (onExit[0] as () => void)();
    process.removeListener('exit', onExit[0]!);
    expect(written[0]).toEqual(['last words']);
    expect(written[1]![0]).toMatch(/^::stop-commands::\S+\n::error::last\n::\S+::\n$/);
  });
});
