import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseDefinitionLine, priorityAt, type DefinitionQuery } from '../../src/evidence/definition-line.js';
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

describe('the line of a definition: priorities', () => {
  const text = `{ lib, prio, ... }: {
  a = lib.mkForce {
    b = 1;
    c = lib.mkDefault 2;
  };
  e = lib.mkOverride prio 4;
}`;

  it('is the innermost wrapper at or above the path', () => {
    expect(choose(text, { path: ['a', 'c'], optionDepth: 1, priority: 1000 })).toEqual({ line: 4 });
    expect(choose(text, { path: ['a', 'c'], optionDepth: 1, priority: 50 })).toEqual({});
    expect(choose(text, { path: ['a', 'b'], optionDepth: 1, priority: 50 })).toEqual({ line: 3 });
    expect(choose(text, { path: ['a'], priority: 50 })).toEqual({ line: 2 });
  });

  it('a priority that is not a literal agrees with any', () => {
    expect(choose(text, { path: ['e'], priority: 900 })).toEqual({ line: 6 });
  });

  it('without a known priority, any assignment may be it', () => {
    expect(choose(text, { path: ['a', 'c'], optionDepth: 1 })).toEqual({ line: 4 });
    expect(choose(text, { path: ['a', 'c'], optionDepth: 1, priority: null })).toEqual({ line: 4 });
  });

  it('priorityAt: the wrapper of the value at a depth, normal without one', () => {
    const [, , c] = findAssignments(text);
    expect(c!.path).toEqual(['a', 'c']);
    expect([0, 1, 2, 3].map((depth) => priorityAt(c!, depth))).toEqual([100, 50, 1000, 1000]);
  });
});

describe('the line of a definition: values', () => {
  const file = `{ cfg, ... }: {
  s.a = 1;
  s.b = cfg.b;
  s.c.d = 2;
  l = [ 10 11 ];
  m = [ 0 1 2 3 4 5 6 7 8 9 10 ];
}`;

  it('a key below the path agrees when the value has it with that value, or when its value is unknown', () => {
    expect(choose(file, { path: ['s'], priority: 100, value: { a: 1, b: 'x', c: { d: 2 } } })).toEqual({ line: 2 });
    // The definition's value has no `a`, or another `a`: not this file's lines... unless the key's value is unknown.
    expect(choose(file, { path: ['s'], priority: 100, value: { b: 'x' } })).toEqual({ line: 3 });
    expect(choose(file, { path: ['s'], priority: 100, value: { a: 2 } })).toEqual({});
    expect(choose(file, { path: ['s'], priority: 100, value: { c: null } })).toEqual({});
    expect(choose(file, { path: ['s'], priority: 100, value: 5 })).toEqual({});
  });

  it('an opaque part of the value agrees with anything, however deep', () => {
    const opaque = { _nixcheckOpaque: true };
    expect(choose(file, { path: ['s'], priority: 100, value: { a: opaque } })).toEqual({ line: 2 });
    expect(choose(file, { path: ['s'], priority: 100, value: { c: opaque } })).toEqual({ line: 4 });
    expect(choose(file, { path: ['s'], priority: 100, value: opaque })).toEqual({ line: 2 });
    expect(choose(file, { path: ['l'], priority: 100, value: [10, opaque] })).toEqual({ line: 5 });
    expect(choose(file, { path: ['l'], priority: 100, value: { x: [opaque] } })).toEqual({ line: 5 });
    expect(choose(file, { path: ['l'], priority: 100, value: [10, 12] })).toEqual({});
    // Only the marker makes a value opaque.
    expect(choose(file, { path: ['s', 'a'], optionDepth: 1, priority: 100, value: { _nixcheckOpaque: false } })).toEqual({});
    expect(choose(file, { path: ['s', 'a'], optionDepth: 1, priority: 100, value: [true] })).toEqual({});
  });

  it('an element of a list written out: by its index only', () => {
    expect(choose(file, { path: ['l', 1], optionDepth: 1, priority: 100, value: 11 })).toEqual({ line: 5 });
    expect(choose(file, { path: ['l', 2], optionDepth: 1, priority: 100, value: 11 })).toEqual({});
    expect(choose(file, { path: ['m', 10], optionDepth: 1, priority: 100, value: 10 })).toEqual({ line: 6 });
    expect(choose(file, { path: ['l', 'length'], optionDepth: 1, priority: 100, value: 2 })).toEqual({});
    expect(choose(file, { path: ['s', 'a', 'x'], optionDepth: 1, priority: 100, value: 1 })).toEqual({});
  });
});

describe('the line of a definition: names computed at evaluation time', () => {
  it('a computed name in the file may be the one asked about', () => {
    const text = '{ name, ... }: {\n  users."${name}".shell = "zsh";\n}';
    expect(choose(text, { path: ['users', 'alice', 'shell'], optionDepth: 3, priority: 100, value: 'zsh' })).toEqual({ line: 2 });
  });

  it('a computed key below the path leaves its part of the value unknown: never ruled out', () => {
    const text = `{ lib, c, d, n, ... }: lib.mkMerge [
  (lib.mkIf c { s.a = 1; })
  (lib.mkIf d { s."\${n}" = 1; })
]`;
    // Either may have set { a = 1; }: the file's text cannot tell which.
    expect(choose(text, { path: ['s'], priority: 100, value: { a: 1 } })).toEqual({ candidates: [2, 3] });
  });
});

describe('the line of a definition: which assignments are one definition', () => {
  it('conditionals inside a value belong to its definition', () => {
    const text = `{ lib, c, ... }: {
  s = {
    a = 1;
    b = lib.mkIf c 2;
  };
}`;
    expect(choose(text, { path: ['s'], priority: 100 })).toEqual({ line: 2 });
  });

  it('candidates come in line order, whatever the order of the assignments', () => {
    const text = `{ lib, c, ... }: lib.mkMerge [
  (lib.mkIf c { s = 1; })
  (lib.mkIf (!c) { s = 1; })
]`;
    expect(chooseDefinitionLine(findAssignments(text).reverse(), { path: ['s'], priority: 100, value: 1 })).toEqual({ candidates: [2, 3] });
  });

  it('a set written out at the path is found at its first line', () => {
    expect(choose('{ ... }: {\n  s = {\n    a = 1;\n  };\n}', { path: ['s'], priority: 100, value: { a: 1 } })).toEqual({ line: 2 });
  });
});

describe('the line of a definition: what the count of definitions rules out', () => {
  it("a conditional at the option's own depth counts; one inside its value does not", () => {
    const text = `{ lib, c, d, ... }: lib.mkMerge [
  { s.k = lib.mkIf c 1; }
  { s = lib.mkIf d { k = 1; }; }
]`;
    const query = { path: ['s', 'k'], optionDepth: 1, priority: 100, value: 1, definitionsInFile: 1 };
    expect(choose(text, query)).toEqual({ line: 2 });
    expect(choose(text, { ...query, definitionsInFile: undefined })).toEqual({ candidates: [2, 3] });
  });

  it("the elements of an mkMerge at the option's own path are its definitions: the count rules out a conditional one", () => {
    const text = `{ lib, c, ... }: {
  s = lib.mkMerge [
    { k = 1; }
    (lib.mkIf c { k = 1; })
  ];
}`;
    const query = { path: ['s', 'k'], optionDepth: 1, priority: 100, value: 1 };
    expect(choose(text, { ...query, definitionsInFile: 1 })).toEqual({ line: 3 });
    expect(choose(text, query)).toEqual({ candidates: [3, 4] });
  });

  it('assignments to other options do not count', () => {
    const text = `{ lib, c, ... }: lib.mkMerge [
  { s.k = 1; t = 2; }
  (lib.mkIf c { s.k = 1; u = 3; })
]`;
    expect(choose(text, { path: ['s', 'k'], optionDepth: 2, priority: 100, value: 1, definitionsInFile: 1 })).toEqual({ line: 2 });
  });

  it('nothing is ruled out when a whole value of unknown content sits above the option', () => {
    const text = `{ lib, c, extra, ... }: lib.mkMerge [
  { s.k = 1; }
  (lib.mkIf c { s.k = 1; })
  { s = extra; }
]`;
    const query = { path: ['s', 'k'], optionDepth: 2, priority: 100, value: 1 };
    expect(choose(text, { ...query, definitionsInFile: 2 })).toEqual({ candidates: [2, 3, 4] });
    expect(choose(text, query)).toEqual({ candidates: [2, 3, 4] });
  });
});

describe('the line of a definition: more values', () => {
  it('without a value, an assignment below the path may be it', () => {
    expect(choose('{ ... }: { s.a = 1; }', { path: ['s'], priority: 100 })).toEqual({ line: 1 });
  });

  it('a list written out agrees only at an index it has, with the element there', () => {
    const text = '{ ... }: {\n  l = [ 10 11 ];\n}';
    expect(choose(text, { path: ['l', 1], optionDepth: 1, priority: 100, value: 99 })).toEqual({});
    for (const key of ['0x1', ' 1', '1e0', '1 ', '+1']) expect(choose(text, { path: ['l', key], optionDepth: 1, priority: 100, value: 11 }), key).toEqual({});
  });

  it('a key below the path that is an index past the end of a list has no part of the value', () => {
    expect(choose('{ x, ... }: { s.a."1" = x; }', { path: ['s'], priority: 100, value: { a: [1, 2] } })).toEqual({ line: 1 });
    expect(choose('{ x, ... }: { s.a."2" = x; }', { path: ['s'], priority: 100, value: { a: [1, 2] } })).toEqual({});
  });

  it('a string has no attributes, and null has none', () => {
    expect(choose('{ x, ... }: { s.a."0" = x; }', { path: ['s'], priority: 100, value: { a: 'xy' } })).toEqual({});
    expect(choose('{ x, ... }: { s.a.b = x; }', { path: ['s'], priority: 100, value: { a: null } })).toEqual({});
  });

  it('a value with an opaque part anywhere agrees with a literal', () => {
    const opaque = { _nixcheckOpaque: true };
    expect(choose('{ ... }: { s.a = 5; }', { path: ['s', 'a'], optionDepth: 1, priority: 100, value: { x: opaque, y: 1 } })).toEqual({ line: 1 });
    expect(choose('{ ... }: { s.a = 5; }', { path: ['s', 'a'], optionDepth: 1, priority: 100, value: [1, [opaque]] })).toEqual({ line: 1 });
    expect(choose('{ ... }: { s.a = 5; }', { path: ['s', 'a'], optionDepth: 1, priority: 100, value: { x: null, y: [1] } })).toEqual({});
  });
});

describe('the line of a definition: modules that are always there', () => {
  it('a module of an imports list is surely taken; a conditional config is not', () => {
    const text = `{ lib, c, ... }: {
  imports = [ { s.k = 1; } ];
  config = lib.mkIf c { s.k = 1; };
}`;
    const query = { path: ['s', 'k'], optionDepth: 2, priority: 100, value: 1 };
    expect(choose(text, { ...query, definitionsInFile: 1 })).toEqual({ line: 2 });
    expect(choose(text, query)).toEqual({ candidates: [2, 3] });
  });
});
