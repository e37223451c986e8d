import { describe, expect, it } from 'vitest';
import { findAssignments, type Assignment } from '../../src/evidence/nix-assignments.js';

/** `line path [= value] [priority]` for compact expectations. */
const show = (a: Assignment) =>
  `${a.line} ${a.path.map((s) => s ?? '*').join('.')}${a.block ? ' {}' : ''}${'value' in a ? ` = ${JSON.stringify(a.value)}` : ''}${a.wrappers.length ? ` @${a.wrappers.map((w) => `${w.priority}/${w.depth}`).join(',')}` : ''}`;
const scan = (text: string) => findAssignments(text).map(show);

describe('assignments of a Nix module, by reading its text', () => {
  it('resolves longer attribute paths, `config.` and nested blocks to full paths', () => {
    expect(scan(`{ config, lib, ... }:
{
  services.openssh.settings.PermitRootLogin = "no";
  config.boot.kernel.sysctl."net.ipv4.ip_forward" = 0;
  boot = {
    kernel.sysctl = { "kernel.kptr_restrict" = 2; };
  };
}`)).toEqual([
      '3 services.openssh.settings.PermitRootLogin = "no"',
      '4 boot.kernel.sysctl.net.ipv4.ip_forward = 0',
      '5 boot {}',
      '6 boot.kernel.sysctl {}',
      '6 boot.kernel.sysctl.kernel.kptr_restrict = 2',
    ]);
  });

  it('knows what is not config: options, let bindings, imports, strings and comments', () => {
    expect(scan(`{ lib, ... }:
let cfg = { enable = true; }; in
{
  imports = [ ./x.nix ];
  options.a.enable = lib.mkEnableOption "a";
  # a.enable = false;
  config = lib.mkIf cfg.enable {
    a.description = "a.enable = false;";
    a.enable = true;
  };
}`)).toEqual(['8 a.description = "a.enable = false;"', '9 a.enable = true']);
  });

  it('records priority wrappers at the depth where they apply', () => {
    expect(scan(`{ lib, ... }: {
  a = lib.mkForce { b = 1; c = lib.mkDefault 2; };
  d = lib.mkOverride 900 [ "x" 3 ];
  e = lib.mkOverride prio 4;
}`)).toEqual(['2 a {} @50/1', '2 a.b = 1 @50/1', '2 a.c = 2 @50/1,1000/2', '3 d = ["x",3] @900/1', '4 e = 4 @null/1']);
  });

  it('puts mkMerge elements and mkIf contents in branches of their own, with their condition', () => {
    const found = findAssignments(`{ config, lib, ... }: {
  config = lib.mkMerge [
    { s.k = lib.mkDefault 1; }
    (lib.mkIf config.on { s.k = 2; })
    (if config.on then { s.d = 1; } else { s.d = 0; })
  ];
}`);
    expect(found.map((a) => [a.line, a.path.join('.'), a.branches.map((b) => b.condition ?? '-')])).toEqual([
      [3, 's.k', ['-']],
      [4, 's.k', ['-', 'config . on']],
      [5, 's.d', ['-', 'config . on']],
      [5, 's.d', ['-', '!(config . on)']],
    ]);
    expect(new Set(found.map((a) => a.branches[a.branches.length - 1]!.id)).size).toBe(4);
  });

  it('reads modules listed inline (imports, evalModules) as modules, and `inherit` as assignments', () => {
    expect(scan(`let lib = import ./lib; src = { port = 1; }; in
lib.evalModules {
  modules = [
    ./a.nix
    { foo.enable = true; }
    ({ lib, ... }: { config.foo.port = lib.mkForce 2; })
    { services.x = { inherit (src) port; }; }
  ];
}`)).toEqual(['5 foo.enable = true', '6 foo.port = 2 @50/2', '7 services.x {}', '7 services.x.port']);
  });

  it('says a value is unknown where it is computed, and understands none of a file it cannot read', () => {
    expect(scan(`{ cfg, ... }: { a = cfg.port; b = builtins.toString 1; c = [ cfg.x ]; d = x // { e = 1; }; "\${n}" = 5; }`)).toEqual([
      '1 a',
      '1 b',
      '1 c',
      '1 d',
      '1 d {}',
      '1 * = 5',
      '1 d.e = 1',
    ]);
    expect(findAssignments('{ a = ; }')).toEqual([]);
  });
});

describe('assignments: the module system wrappers', () => {
  it('knows the priority of every priority wrapper', () => {
    expect(scan(`{ lib, ... }: {
  a = lib.mkVMOverride 1;
  b = lib.mkImageMediaOverride 2;
  c = lib.mkOptionDefault 3;
  d = lib.mkForce 4;
  e = lib.mkDefault 5;
  f = lib.mkOverride 99 6;
  g = mkForce 7;
}`)).toEqual(['2 a = 1 @10/1', '3 b = 2 @60/1', '4 c = 3 @1500/1', '5 d = 4 @50/1', '6 e = 5 @1000/1', '7 f = 6 @99/1', '8 g = 7 @50/1']);
  });

  it('sees through the order wrappers: the value is their last argument', () => {
    expect(scan(`{ lib, ... }: {
  a = lib.mkBefore [ "x" ];
  b = lib.mkAfter [ "y" ];
  c = lib.mkOrder 500 [ "z" ];
  d = lib.mkFixStrictness true;
  e = lib.mkDefault (lib.mkBefore [ 1 ]);
}`)).toEqual(['2 a = ["x"]', '3 b = ["y"]', '4 c = ["z"]', '5 d = true', '6 e = [1] @1000/1']);
  });

  it('a wrapper with more arguments than it takes, or a function that is no wrapper, leaves the value unknown (a wrapper is known by its last name)', () => {
    expect(scan(`{ lib, f, ... }: {
  a = lib.mkForce 1 2;
  b = f 1;
  c = lib.mkForce;
  d = lib.other.mkForce 1;
  e = lib."mkForce" 1;
}`)).toEqual(['2 a @50/1', '3 b', '4 c', '5 d = 1 @50/1', '6 e']);
  });

  it('optionalAttrs is a conditional branch, as mkIf is', () => {
    const found = findAssignments(`{ lib, cfg, ... }: lib.optionalAttrs cfg.on { a = 1; } // { b = 2; }`);
    expect(found.map((a) => [show(a), a.branches.map((b) => b.condition ?? '-')])).toEqual([
      ['1 a = 1', ['cfg . on']],
      ['1 b = 2', []],
    ]);
  });
});

describe('assignments: what is not config', () => {
  it("a module's own attributes, at its root only", () => {
    expect(scan(`{ lib, ... }: {
  _file = "x";
  key = "k";
  disabledModules = [ "a.nix" ];
  meta.maintainers = [ ];
  freeformType = lib.types.attrs;
  _class = "nixos";
  options.foo = lib.mkOption { };
  services.x.key = "v";
  services.x.meta = 1;
}`)).toEqual(['9 services.x.key = "v"', '10 services.x.meta = 1']);
  });

  it('with, assert and let do not change where values go', () => {
    expect(scan(`{ lib, ... }: with lib; assert true; let x = { a = 1; }; in {
  b = with x; mkForce 2;
  c = assert a; 3;
}`)).toEqual(['2 b = 2 @50/1', '3 c = 3']);
    expect(scan('with lib; { a = mkForce 1; }')).toEqual(['1 a = 1 @50/1']);
    expect(scan('{ a = (with lib; 1); b = (assert true; 2); }')).toEqual(['1 a = 1', '1 b = 2']);
  });

  it('attribute sets that are not config: let bindings, function arguments, a selection from a set', () => {
    expect(scan(`{ lib, ... }: {
  a = (x: { b = 1; }) 2;
  c = { d = 1; }.d;
  e = ({ f = 2; }).f;
  g = { h = 1; }.h or 3;
  i = rec { j = 1; k = j; }.k;
}`)).toEqual(['2 a', '3 c', '4 e', '5 g', '6 i']);
  });
});

describe('assignments: values', () => {
  it('literals: numbers (negative too), strings, booleans, null, lists of literals', () => {
    expect(scan(`{
  a = 1;
  b = -2;
  c = 1.5;
  d = "s";
  e = true;
  f = false;
  g = null;
  h = [ 1 "x" null false ];
  i = [ ];
  j = rec { k = 1; };
}`)).toEqual(['2 a = 1', '3 b = -2', '4 c = 1.5', '5 d = "s"', '6 e = true', '7 f = false', '8 g = null', '9 h = [1,"x",null,false]', '10 i = []', '11 j {}', '11 j.k = 1']);
  });

  it('what is computed is unknown: operators, negation, interpolation, selection, lists of anything else', () => {
    expect(scan(`{ x, ... }: {
  a = 1 + 2;
  b = -x;
  c = !x;
  d = "\${x}";
  e = x.y or 1;
  f = [ x ];
  g = [ { } ];
  h = - 2 + 1;
  i = x ? y;
  j = x.y.z;
  k = ''s'';
  l = ./p;
  m = [ [ 1 ] ];
}`)).toEqual(['2 a', '3 b', '4 c', '5 d', '6 e', '7 f', '8 g', '9 h', '10 i', '11 j', '12 k', '13 l', '14 m = [[1]]']);
  });

  it('a value in parentheses is the value; a selection from it is not', () => {
    expect(scan(`{ lib, ... }: {
  a = (1);
  b = (lib.mkForce { c = 1; });
  d = ({ e = 1; }).e;
}`)).toEqual(['2 a = 1', '3 b {} @50/1', '3 b.c = 1 @50/1', '4 d']);
  });

  it('inherit: each name is an assignment, from a set or the scope', () => {
    expect(scan(`{ src, ... }: { inherit (src) a b; inherit c; x = { inherit (src.y) d; }; }`)).toEqual(['1 a', '1 b', '1 c', '1 x {}', '1 x.d']);
  });
});

describe('assignments: functions and modules', () => {
  it('a function at the top, or at a config path, is a module (a submodule written as a function)', () => {
    expect(scan(`args@{ lib, ... }: {
  users.users.alice = { name, ... }: {
    config.shell = "zsh";
    options.x = 1;
  };
  f = x: { y = 1; };
}`)).toEqual(['2 users.users.alice {}', '3 users.users.alice.shell = "zsh"', '6 f {}', '6 f.y = 1']);
  });

  it('formals with @ on either side, and simple arguments', () => {
    expect(scan('{ lib, ... }@args: { a = 1; }')).toEqual(['1 a = 1']);
    expect(scan('args@{ lib, ... }: { a = 1; }')).toEqual(['1 a = 1']);
    expect(scan('args: { a = 1; }')).toEqual(['1 a = 1']);
    expect(scan('{ a ? { b = 1; }, ... }: { c = 1; }')).toEqual(['1 c = 1']);
  });

  it('modules listed by imports and require, in a config module or a module list', () => {
    expect(scan(`{ ... }: {
  imports = [ { a = 1; } ];
  require = [ { b = 2; } ];
}`)).toEqual(['2 a = 1', '3 b = 2']);
    expect(scan(`{ lib, ... }: lib.evalModules { modules = [ { a = 1; } ]; specialArgs = { b = 2; }; }`)).toEqual(['1 a = 1']);
    expect(scan(`{ lib, ... }: lib.evalModules { imports = [ { a = 1; } ]; }`)).toEqual(['1 a = 1']);
  });

  it('a module list yields no assignment of its own, and a list elsewhere holds no modules', () => {
    expect(scan(`{ ... }: { imports = [ ./a.nix ]; environment.systemPackages = [ { a = 1; } ]; }`)).toEqual(['1 environment.systemPackages']);
    expect(scan(`{ ... }: { x.imports = [ { a = 1; } ]; }`)).toEqual(['1 x.imports']);
    expect(scan(`{ ... }: { x.modules = [ { a = 1; } ]; }`)).toEqual(['1 x.modules']);
  });

  it('config values of a module listed inline are its own, below nothing', () => {
    const found = findAssignments(`{ lib, ... }: {
  imports = [
    { a = 1; }
    { config.b = lib.mkDefault 2; }
  ];
}`);
    expect(found.map(show)).toEqual(['3 a = 1', '4 b = 2 @1000/1']);
    expect(found.map((a) => a.branches.map((b) => b.depth))).toEqual([[0], [0]]);
    expect(new Set(found.map((a) => a.branches[0]!.id)).size).toBe(2);
  });
});

describe('assignments: branches', () => {
  it('// keeps both sides config, as one definition', () => {
    expect(findAssignments('{ x, ... }: { a = 1; } // { b = 2; } // x').map((a) => [show(a), a.branches.length])).toEqual([
      ['1 a = 1', 0],
      ['1 b = 2', 0],
    ]);
  });

  it('an update combined with any other operator is no config: never read into a value it is not', () => {
    for (const op of ['++', '+', '-', '*', '/', '==', '!=', '<', '>', '<=', '>=', '&&', '||', '->', '?']) {
      expect(scan(`{ x, y, ... }: { a = { b = 1; } // x ${op} y; }`), op).toEqual(['1 a']);
      expect(scan(`{ x, y, ... }: { a = x ${op} y // { b = 1; }; }`), op).toEqual(['1 a']);
    }
  });

  it('an attribute named like nothing is config like any other', () => {
    expect(scan('{ ... }: { "" = [ { a = 1; } ]; }')).toEqual(['1 ']);
  });

  it('any other operator makes its operands no config', () => {
    expect(scan('{ x, ... }: { a = { b = 1; } // x ++ [ ]; c = [ { d = 1; } ] ++ x; }')).toEqual(['1 a', '1 c']);
  });

  it('if-then-else: a branch for each side, the else side negated', () => {
    const found = findAssignments('{ c, ... }: { a = if c.x == 1 then { b = 1; } else { b = 2; }; }');
    expect(found.map((a) => [show(a), a.branches.map((b) => `${b.condition}@${b.depth}`)])).toEqual([
      ['1 a {}', ['c . x == 1@1']],
      ['1 a {}', ['!(c . x == 1)@1']],
      ['1 a.b = 1', ['c . x == 1@1']],
      ['1 a.b = 2', ['!(c . x == 1)@1']],
    ]);
  });

  it('mkIf and mkMerge record the depth at which they open a branch', () => {
    const found = findAssignments('{ lib, c, ... }: { a = lib.mkMerge [ { b = 1; } (lib.mkIf c { d.e = lib.mkIf c 2; }) ]; }');
    expect(found.map((a) => [a.path.join('.'), a.branches.map((b) => `${b.condition ?? '-'}@${b.depth}`).join(' ')])).toEqual([
      ['a', '-@1'],
      ['a', '-@1 c@1'],
      ['a.b', '-@1'],
      ['a.d.e', '-@1 c@1 c@3'],
    ]);
    // Every branch opened is a new one, numbered from 1 in the order they open (0 is no branch's).
    expect(found.map((a) => a.branches.map((b) => b.id))).toEqual([[1], [2, 3], [1], [2, 3, 4]]);
  });

  it('an mkMerge applied to more than its list leaves the value unknown', () => {
    expect(scan('{ lib, ... }: { a = lib.mkMerge [ { b = 1; } ] x; }')).toEqual(['1 a {}', '1 a', '1 a.b = 1']);
    expect(scan('{ lib, ... }: { a = lib.mkMerge x; }')).toEqual(['1 a']);
  });

  it('a list given to any other function holds no branches: its sets are no config', () => {
    expect(scan('{ f, ... }: { a = f [ { b = 1; } ]; c = f [ ]; }')).toEqual(['1 a', '1 c']);
  });

  it('a rec set is one operand of //, as a set is', () => {
    expect(scan('{ x = rec { a = 1; } // { b = 2; }; }')).toEqual(['1 x {}', '1 x {}', '1 x.a = 1', '1 x.b = 2']);
  });
});

describe('assignments: text it cannot read as Nix', () => {
  it('gives no assignments for text that ends early or is unbalanced', () => {
    for (const text of ['{ a = 1;', '{ a = ', '{ a = (1; }', '{ a = [ 1 ; }', '{ ... }: { a = { b = 1; ; }', '{ a = if x then 1; }', 'x:', '{ a }:', '{ a = 1; } // { }.', '{ a : 1; }']) {
      expect(findAssignments(text), text).toEqual([]);
    }
  });

  it('tolerates a prefix operator that ends the text: an operand, a minus as a `!` (no number follows it)', () => {
    expect(scan('{ a = 1; } // -')).toEqual(['1 a = 1']);
    expect(scan('{ a = 1; } // !')).toEqual(['1 a = 1']);
  });

  it('reads what Nix reads: tokens of strings and comments are not code', () => {
    expect(scan('{ a = "{"; b = 2; /* c = 3; */ }')).toEqual(['1 a = "{"', '1 b = 2']);
  });
});

describe('assignments: where a binding goes', () => {
  it("a module that is no function has its own attributes at its root too", () => {
    expect(scan('{ config.a = 1; options.b = 2; imports = [ { c = 3; } ]; }')).toEqual(['1 a = 1', '1 c = 3']);
  });

  it("only a module's root knows config, imports and the module attributes", () => {
    expect(scan('{ services.x = { config.y = 1; imports = 2; meta = 3; }; }')).toEqual(['1 services.x {}', '1 services.x.imports = 2', '1 services.x.meta = 3', '1 services.x.config.y = 1']);
    expect(scan('{ config = { config.a = 1; }; }')).toEqual(['1 config.a = 1']);
  });

  it('wrappers, conditionals and inherit in let bindings are not config, and do not stop the reading', () => {
    expect(scan(`{ lib, c, x, ... }: let
  a = lib.mkForce 1;
  b = lib.mkIf c { d = 1; };
  inherit (x) e;
  f = [ { g = 1; } ];
in { h = 2; }`)).toEqual(['6 h = 2']);
  });

  it('a parenthesised literal is a literal in a list too', () => {
    expect(scan('{ a = [ (1) ("x") ]; }')).toEqual(['1 a = [1,"x"]']);
  });

  it('the default after `or` belongs to the selection, not to the list around it', () => {
    expect(scan('{ x, ... }: { imports = [ x.y or { a = 1; } ]; }')).toEqual([]);
  });
});
