# nixcheck's evaluator session: one long-lived `nix repl` answers the items of many
# targets (units), one repl line per step, so that an error in one step (a throw, an
# abort, infinite recursion, a failed assert: the repl reports each and carries on) is
# that step's own and costs no new process.
#
# Every line nixcheck types is built from its own identifiers and numbers only; the
# requests (suite and control content) are JSON files in $NIXCHECK_SESSION_DIR, read with
# builtins.fromJSON. Each step marks its start and, if it succeeds, prints its answer on
# stderr:
#   trace: nixcheck:<nonce>:begin:<unit>:<step>
#   trace: nixcheck:<nonce>:value:<unit>:<step>:<json>
# so whatever Nix prints from one `begin` to the next (an error) belongs to that step
# alone; nixcheck types `builtins.trace "nixcheck:<nonce>:end:<unit>:<step>" null` after
# a batch of steps. <step> is `t` (the target) or an item's index; the nonce keeps
# traces of the evaluated code from passing for markers.
#
# nixcheck types this program into the repl (session-protocol.ts, preludeLines) instead
# of importing it, with engine.nix and common.nix, typed in too, as arguments: a trace's
# frames in typed input point into the repl's own copy of the text, while for a frame in
# a file Nix 2.8 reads the file again up to that line, one byte per system call, and
# nixcheck's own functions put about fifteen frames under every error. evidence.nix is
# imported as a file (see EVIDENCE_FILE there).
{ common, evidence, engine }:
nonce:
let
  engineOf = engine { inherit common; evidence = evidence common; };
  dir = builtins.getEnv "NIXCHECK_SESSION_DIR";
  say = kind: unit: s: rest: builtins.trace "nixcheck:${nonce}:${kind}:${toString unit}:${toString s}${rest}" null;
  # Marks the start, then forces `json` (which may fail: that is the step's error).
  step = unit: s: json: builtins.seq (say "begin" unit s "") (say "value" unit s ":${json}");
in
{
  # A flake, from its file of data (its reference). Bound to a repl variable, so every
  # unit that reads it shares one fetch and one evaluation of its outputs.
  flake = n: builtins.getFlake (builtins.fromJSON (builtins.readFile "${dir}/flake-${toString n}.json"));

  # The engine for one unit, from its request file, with the flakes it reads (in the
  # order of request.flakeRefs). Bound to a repl variable, so every step of the unit
  # shares one evaluation of the target.
  load = unit: fetched:
    let
      request = builtins.fromJSON (builtins.readFile "${dir}/${toString unit}.json");
      flakes = builtins.listToAttrs (builtins.genList (i: { name = builtins.elemAt request.flakeRefs i; value = builtins.elemAt fetched i; }) (builtins.length fetched));
    in
    engineOf { inherit request flakes; } // { inherit unit; };

  # `loaded` must be this unit's: a binding the repl refused (its environment is full)
  # leaves the previous unit bound, whose answers would be wrong.
  ready = unit: loaded:
    step unit "t" (if loaded.unit != unit then throw "nixcheck: the repl did not bind unit ${toString unit}" else builtins.seq loaded.ready "true");

  item = unit: loaded: i: step unit i (builtins.toJSON (loaded.item i));
}
