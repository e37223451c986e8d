import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseDefinitionLine, type DefinitionQuery } from '../../src/evidence/definition-line.js';
import { findAssignments } from '../../src/evidence/nix-assignments.js';
import { REPO } from '../helpers/paths.js';

const choose = (text: string, query: DefinitionQuery) => chooseDefinitionLine(findAssignments(text), query);

/** The fixture file with one key set in several branches (mkDefault, mkIf on, mkIf !on). */
const BRANCHES = readFileSync(join(REPO, 'fixtures/offline/evidence/lines/branches.nix'), 'utf8');
const line = (text: string) => BRANCHES.split('\n').findIndex((l) => l.includes(text)) + 1;

describe('the line of a definition', () => {
  it('is the assignment whose priority and value agree with the definition, not the first one', () => {
    expect(choose(BRANCHES, { path: ['s', 'k'], optionDepth: 1, priority: 100, value: 2 })).toEqual({ line: line('s."k" = 2') });
    expect(choose(BRANCHES, { path: ['s', 'k'], optionDepth: 1, priority: 1000, value: 1 })).toEqual({ line: line('s."k" = lib.mkDefault 1') });
    expect(choose(BRANCHES, { path: ['s', 'd'], optionDepth: 1, priority: 100, value: 1 })).toEqual({ line: line('s."d" = 1') });
  });

  it('lists the candidates when branches cannot be told apart, and none when nothing agrees', () => {
    const e = line('s."e" = 3');
    expect(choose(BRANCHES, { path: ['s', 'e'], optionDepth: 1, priority: 100, value: 3 })).toEqual({ candidates: [e, e + 1] });
    expect(choose(BRANCHES, { path: ['s', 'd'], optionDepth: 1, priority: 100 })).toEqual({ candidates: [line('s."d" = 0'), line('s."d" = 1')] });
    expect(choose(BRANCHES, { path: ['s', 'd'], optionDepth: 1, priority: 100, value: 5 })).toEqual({});
    expect(choose(BRANCHES, { path: ['s', 'k'], optionDepth: 1, priority: 50 })).toEqual({});
  });

  it('finds a whole option set through longer paths and blocks, at its first line', () => {
    const text = `{ ... }:
{
  services.sshd.settings.PermitRootLogin = "no";
  services.sshd.settings.X11Forwarding = false;
  boot = {
    kernel.sysctl = {
      "kernel.kptr_restrict" = 2;
    };
  };
}`;
    expect(choose(text, { path: ['services', 'sshd', 'settings'], priority: 100, value: { PermitRootLogin: 'no', X11Forwarding: false } })).toEqual({ line: 3 });
    expect(choose(text, { path: ['boot', 'kernel', 'sysctl'], priority: 100 })).toEqual({ line: 6 });
    expect(choose(text, { path: ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'], optionDepth: 3, priority: 100, value: 2 })).toEqual({ line: 7 });
  });

  it('leaves out a conditional branch when the module system counted fewer definitions than could be taken', () => {
    const text = `{ config, lib, ... }:
{
  config = lib.mkIf config.enable (lib.mkMerge [
    { sysctl."a" = 2; }
    (lib.mkIf (config.extra != { }) { sysctl = config.extra; })
  ]);
}`;
    const query = { path: ['sysctl', 'a'], optionDepth: 1, priority: 100, value: 2 };
    // Without the count, the second branch (whose value is unknown) could have set it too.
    expect(choose(text, query)).toEqual({ candidates: [4, 5] });
    expect(choose(text, { ...query, definitionsInFile: 1 })).toEqual({ line: 4 });
    expect(choose(text, { ...query, definitionsInFile: 2 })).toEqual({ candidates: [4, 5] });
  });

  it('reads a list element from the list it is written in', () => {
    expect(choose('{ ... }: { files = [ "a" "b" ]; }', { path: ['files', 1], optionDepth: 1, priority: 100, value: 'b' })).toEqual({ line: 1 });
    expect(choose('{ ... }: { files = [ "a" "b" ]; }', { path: ['files', 1], optionDepth: 1, priority: 100, value: 'c' })).toEqual({});
  });
});
