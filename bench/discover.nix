# Benchmark helper: lists every leaf under each host's `config` (with its value), so the
# benchmark can generate assertions about values that really exist. Request data comes as
# JSON through $NIXCHECK_BENCH_REQUEST_FILE, like nixcheck's own engine.
let
  request = builtins.fromJSON (builtins.readFile (builtins.getEnv "NIXCHECK_BENCH_REQUEST_FILE"));
  flake = builtins.getFlake request.flake;
  skip = [ "system" "assertions" "_module" "warnings" ];
  leaves = prefix: value:
    let t = builtins.typeOf value; in
    if t == "set" && (value.type or null) != "derivation" then
      builtins.concatLists (map (name: if prefix == [ ] && builtins.elem name skip then [ ] else leaves (prefix ++ [ name ]) value.${name}) (builtins.attrNames value))
    else if t == "lambda" || t == "set" then [ ]
    else [ { path = prefix; inherit value; } ];
  safeLeaves = host:
    let r = builtins.tryEval (builtins.deepSeq (leaves [ ] flake.nixosConfigurations.${host}.config) (leaves [ ] flake.nixosConfigurations.${host}.config));
    in if r.success then r.value else [ ];
in
builtins.listToAttrs (map (host: { name = host; value = safeLeaves host; }) request.hosts)
