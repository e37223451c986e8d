import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixcheckProcess } from '../helpers/cli.js';
import { OFFLINE_FLAKE, tempDir } from '../helpers/paths.js';
import { runnerCommands } from '../helpers/workflow-commands.js';

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
