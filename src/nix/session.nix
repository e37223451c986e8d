# nixcheck's evaluator session: one long-lived `nix repl` answers the items of many
# targets (units), one repl line per step, so that an error in one step (a throw, an
# abort, infinite recursion, a failed assert: the repl reports each and carries on) is
# that step's own and costs no new process.
#
# Every line nixcheck types is built from its own identifiers and numbers only; the
# requests (suite and control content) are JSON files in $NIXCHECK_SESSION_DIR, read with
# builtins.fromJSON. A step that succeeds prints its answer on stderr,
#   trace: nixcheck:<nonce>:value:<unit>:<step>:<json>
# and nixcheck types `builtins.trace "nixcheck:<nonce>:end:<unit>:<step>" null` after
# each step, so whatever Nix printed in between (an error) belongs to that step alone.
# <step> is `t` (the target) or an item's index; the nonce keeps traces of the evaluated
# code from passing for markers.
nonce:
let
  engine = import ./engine.nix;
  dir = builtins.getEnv "NIXCHECK_SESSION_DIR";
  answer = unit: step: json: builtins.trace "nixcheck:${nonce}:value:${toString unit}:${toString step}:${json}" null;
in
{
  # The engine for one unit, from its request file. Bound to a repl variable, so every
  # step of the unit shares one evaluation of the target.
  load = unit: engine (builtins.fromJSON (builtins.readFile "${dir}/${toString unit}.json"));

  ready = unit: loaded: builtins.seq loaded.ready (answer unit "t" "true");

  item = unit: loaded: i: answer unit i (builtins.toJSON (loaded.item i));
}
