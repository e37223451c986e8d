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
