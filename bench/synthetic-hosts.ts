/**
 * A NixOS-sized workload for the benchmark: the offline example flake plus generated
 * modules (a few thousand options per host, with cross-module mkDefault chains, attrsOf
 * and list merging), so that Nix spends about as long evaluating a host as it does on a
 * small real NixOS system. Everything is generated into `dir`; nothing is committed.
 */
import { cpSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeSyntheticFlake(sourceFlake: string, dir: string, modules: number): void {
  cpSync(sourceFlake, dir, { recursive: true });
  const generated = join(dir, 'modules', 'generated');
  mkdirSync(generated, { recursive: true });
  for (let i = 0; i < modules; i++) {
    const next = (i + 1) % modules;
    writeFileSync(
      join(generated, `m${i}.nix`),
      `# Generated benchmark module ${i}.
{ config, lib, ... }:
let
  cfg = config.bench.m${i};
in
{
  options.bench.m${i} = {
    enable = lib.mkEnableOption "generated module ${i}";
    name = lib.mkOption { type = lib.types.str; default = "m${i}"; description = "Name."; };
    level = lib.mkOption { type = lib.types.int; default = 0; description = "Depth in the chain."; };
    ports = lib.mkOption { type = lib.types.listOf lib.types.int; default = [ ]; description = "Ports."; };
    settings = lib.mkOption { type = lib.types.attrsOf lib.types.str; default = { }; description = "Settings."; };
    mode = lib.mkOption { type = lib.types.enum [ "off" "audit" "enforce" ]; default = "off"; description = "Mode."; };
  };
  config = lib.mkIf cfg.enable {
    bench.m${next}.level = lib.mkDefault (lib.mkIf (${next} != 0) (cfg.level + 1));
    bench.m${i}.mode = lib.mkDefault "audit";
    bench.m${i}.ports = builtins.genList (x: x + ${i}) 8;
    bench.m${i}.settings = builtins.listToAttrs (map (k: { name = "key\${toString k}"; value = "\${cfg.name}-\${toString (k * ${i + 1})}"; }) (builtins.genList (x: x) 16));
  };
}
`,
    );
  }
  writeFileSync(
    join(generated, 'enable.nix'),
    `# Generated: every benchmark module on.\n{ ... }:\n{\n${Array.from({ length: modules }, (_, i) => `  bench.m${i}.enable = true;`).join('\n')}\n}\n`,
  );
  const listFile = join(dir, 'modules', 'module-list.nix');
  const original = readFileSync(listFile, 'utf8').trimEnd().replace(/\]\s*$/, '');
  writeFileSync(
    listFile,
    `${original}\n${Array.from({ length: modules }, (_, i) => `  ./generated/m${i}.nix`).join('\n')}\n  ./generated/enable.nix\n]\n`,
  );
}
