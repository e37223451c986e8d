import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardWorkflowCommands } from '../../src/report/github-commands.js';
import { nixcheckProcess } from '../helpers/cli.js';
import { OFFLINE_FLAKE, tempDir } from '../helpers/paths.js';

/**
 * What the Actions runner does with a step's output: each line, leading whitespace
 * trimmed, that starts with `::` is a command, unless commands are stopped by
 * `::stop-commands::<token>` (until `::<token>::`). Returns the commands it would run.
 */
function runnerCommands(output: string): string[] {
  const commands: string[] = [];
  let stopToken: string | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/^[\s\u0085]+/, '');
    if (stopToken !== undefined) {
      if (line.trimEnd() === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    if (!line.startsWith('::')) continue;
    const m = /^::([^\s:]+)[^:]*::(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'stop-commands') stopToken = m[2]!.trimEnd();
    else commands.push(line);
  }
  return commands;
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

describe('nixcheck inside GitHub Actions', () => {
  it('user text with a newline and `::` (case name, control title, Nix error) never becomes a workflow command', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'value.nix'), '{ config.x = throw "boom\\n::error file=flake.nix,line=1::from-nix"; config.y = 1; }\n');
    writeFileSync(
      join(dir, 'suite.yaml'),
      'targets: [{ file: value.nix }]\ncases:\n  - { name: "innocent\\n::error file=flake.nix,line=1::from-case-name", path: y, equals: 2 }\n  - { name: throws, path: x, equals: 1 }\n',
    );
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'summary.md') };
    const test = await nixcheckProcess(['test', '--suite', join(dir, 'suite.yaml'), '--no-cache', '--out', join(dir, 'out'), '-r', 'terminal', '-r', 'github'], { env, cwd: dir });
    expect(test.exitCode, String(test.stderr)).toBe(1);
    const commands = runnerCommands(`${test.stdout}\n${test.stderr}`);
    // Only nixcheck's own two annotations, at the suite's lines.
    expect(commands).toHaveLength(2);
    for (const c of commands) expect(c).toMatch(/^::error file=suite\.yaml,line=\d+,col=\d+,title=nixcheck%3A /);
    expect(String(test.stdout)).toContain('::error file=flake.nix,line=1::from-nix');

    const controls = tempDir();
    writeFileSync(
      join(controls, 'c.yaml'),
      'controls:\n  - id: hostile\n    title: "innocent\\n::error file=flake.nix,line=1::from-title"\n    severity: low\n    rationale: r\n    remediation: m\n    fix: x\n    refs: {}\n    checks:\n      - { path: networking.hostName, equals: nope }\n',
    );
    const comply = await nixcheckProcess(['comply', '--flake', OFFLINE_FLAKE, '--host', 'bare', '--controls', controls, '--format', 'json', '--out', join(dir, 'out'), '--no-cache'], { env, cwd: dir });
    expect([0, 1]).toContain(comply.exitCode);
    const complyCommands = runnerCommands(`${comply.stdout}\n${comply.stderr}`);
    expect(complyCommands.length).toBeGreaterThan(0);
    // nixcheck's annotations (titled), its count notice, and nothing else.
    for (const c of complyCommands) expect(c).toMatch(/^::(error|warning|notice) [^:]*title=nixcheck |^::notice::nixcheck: \d+ more/);
  }, 180_000);
});
