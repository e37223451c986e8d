# nixcheck's evaluation engine: reads the values a run needs from one target.
#
# `request` is JSON data (read with builtins.fromJSON by session.nix, from a request
# file), never Nix source, so an attribute name like `a"; builtins.abort "x` is only an
# attribute name: { base; variants = [ { id; config; priority; } ]; items = [ ... ]; }.
# `flakes`: the flakes the target reads, already fetched, by reference.
#
# The session forces `ready` (the target itself), then `item i` for each item, each as
# its own step, so an error in one item is that item's own and never hides another.
{ request, flakes ? { } }:
let
  common = import ./common.nix;
  inherit (common) safe walk;

  inherit (builtins) length elemAt isAttrs typeOf deepSeq foldl';

  base = (common.loaders flakes).loadTarget request.base;

  # A priority wrapper exactly as lib.mkOverride builds it.
  override = priority: content: { _type = "override"; inherit priority content; };

  # Suite `with:` data becomes a module. Plain definitions need no wrapper; for mkForce
  # or mkDefault the wrapper goes where the module system looks for it: on each key below
  # attrsOf and submodule options (so other modules' keys survive), on the whole value of
  # any other option (types.attrs would keep a wrapper inside its value).
  withModule = variant:
    let
      wrapLeaves = value:
        if isAttrs value then builtins.mapAttrs (_: wrapLeaves) value
        else override variant.priority value;
      wrap = options: value:
        if isOption options then
          (if builtins.elem (options.type.name or "") [ "attrsOf" "lazyAttrsOf" "submodule" ] then wrapLeaves value
           else override variant.priority value)
        else if isAttrs value && isAttrs options then builtins.mapAttrs (name: wrap (options.${name} or null)) value
        else wrapLeaves value;
    in
    {
      config = if variant.priority == 100 then variant.config else wrap (base.options or null) variant.config;
      _file = "nixcheck `with:` overrides";
    };

  targetFor = variant:
    if variant.config == null then base
    else if base ? extendModules then base.extendModules { modules = [ (withModule variant) ]; }
    else throw "nixcheck: `with:` needs a module-system result with extendModules, and this target has none";

  variants = builtins.listToAttrs (map (v: { name = v.id; value = targetFor v; }) request.variants);

  # --- values as data ---------------------------------------------------------------

  nixType = value:
    let t = typeOf value; in
    if t == "set" && (value.type or null) == "derivation" then "derivation"
    else if t == "lambda" || t == "primop" || t == "primop-app" then "function"
    else t;

  # Like `nix eval --json`, but functions and paths become strings instead of errors or
  # store copies, and a derivation nested in the value becomes "<derivation NAME>": its
  # outPath would instantiate it (every package of environment.systemPackages). A
  # derivation asked for directly still gives its outPath, so `throws:` on
  # system.build.toplevel sees NixOS's assertions.
  toData = value:
    if nixType value == "derivation" then value.outPath else nestedData value;

  nestedData = value:
    let t = nixType value; in
    if t == "derivation" then "<derivation ${safe "?" (toString (value.name or "?"))}>"
    else if t == "set" then builtins.mapAttrs (_: nestedData) value
    else if t == "list" then map nestedData value
    else if t == "function" then "<function>"
    else if t == "path" then toString value
    else value;

  # --- evidence: where the module system says the value came from --------------------

  isOption = node: isAttrs node && (node._type or null) == "option";

  findOption = options: path:
    let
      go = node: i:
        if isOption node then { found = true; option = node; depth = i; }
        else if i >= length path || !(isAttrs node) || !(node ? ${elemAt path i}) then { found = false; }
        else go node.${elemAt path i} (i + 1);
    in
    go options 0;

  # Unwrap mkIf/mkOverride/mkMerge around one raw definition value, following `rest`,
  # to learn whether this definition sets the key and with which priority.
  definitionFor = value: rest:
    let
      kind = if isAttrs value then value._type or null else null;
    in
    if kind == "override" then
      let inner = definitionFor value.content rest; in
      inner // { priority = if inner.priority == null then value.priority else inner.priority; }
    else if kind == "if" then
      (if value.condition then definitionFor value.content rest else { present = false; priority = null; })
    else if kind == "order" then definitionFor value.content rest
    else if kind == "merge" then
      let
        found = builtins.filter (d: d.present) (map (c: definitionFor c rest) value.contents);
        strength = d: if d.priority == null then 100 else d.priority;
      in
      if found == [ ] then { present = false; priority = null; }
      else foldl' (best: d: if strength d < strength best then d else best) (builtins.head found) found
    else if rest == [ ] then { present = true; priority = null; }
    else if isAttrs value && value ? ${builtins.head rest} then definitionFor value.${builtins.head rest} (builtins.tail rest)
    else { present = false; priority = null; };

  evidenceFor = target: path:
    let
      found = findOption (target.options or { }) path;
      option = found.option;
      rest = builtins.genList (i: elemAt path (found.depth + i)) (length path - found.depth);
      definitions = safe [ ] (deepSeq (map (d: d.file) option.definitionsWithLocations) option.definitionsWithLocations);
      # definitionsWithLocations has the option-level override already removed: a key
      # without its own wrapper has the priority that won for the whole option.
      keyDefinitions =
        builtins.filter (d: d.present)
          (map (d: let def = safe { present = false; priority = null; } (definitionFor d.value rest); in
                   { inherit (d) file; inherit (def) present; priority = if def.priority != null then def.priority else if highestPrio != null then highestPrio else 100; })
               definitions);
      bestKeyPriority = foldl' (acc: d: if acc == null || d.priority < acc then d.priority else acc) null keyDefinitions;
      highestPrio = safe null option.highestPrio;
    in
    if !(found.found or false) then null
    else {
      option = builtins.genList (i: elemAt path i) found.depth;
      subPath = rest;
      isDefined = safe false option.isDefined;
      declarations = safe [ ] (map toString (option.declarations or [ ]));
      declarationPositions = safe [ ] (deepSeq (option.declarationPositions or [ ]) (option.declarationPositions or [ ]));
    } // (
      if rest == [ ] then {
        priority = highestPrio;
        source = if highestPrio == null then "unknown" else if highestPrio >= 1500 then "default" else "user";
        definitions = map (d: { file = toString d.file; priority = highestPrio; }) definitions;
        # The module system keeps only the winning definitions of a whole option.
        overridden = [ ];
      } else {
        priority = bestKeyPriority;
        source = if keyDefinitions == [ ] || bestKeyPriority >= 1500 then "default" else "user";
        definitions = map (d: { file = toString d.file; inherit (d) priority; })
          (builtins.filter (d: d.priority == bestKeyPriority) keyDefinitions);
        # The winning definitions of an attrsOf option keep their per-key overrides, so
        # a module that lost on this key is visible (one that lost for the whole option is not).
        overridden = map (d: { file = toString d.file; inherit (d) priority; })
          (builtins.filter (d: d.priority != bestKeyPriority) keyDefinitions);
      }
    );

  # --- items ------------------------------------------------------------------------

  evaluateItem = item:
    let
      target = variants.${item.variant};
      root = if item.root == "config" then target.config else target;
      found = walk root item.path;
      # `names`: only the attribute names (listing hosts without evaluating them).
      value = if !found.exists then null else if item.names or false then builtins.attrNames found.value else toData found.value;
      type = if found.exists then nixType found.value else null;
      evidence = if item.evidence && item.root == "config" then safe null (deepSeq (evidenceFor target item.path) (evidenceFor target item.path)) else null;
      # Whether an option is declared along a config path: a missing key inside a declared
      # option (no /tmp file system) differs from an option this system does not have.
      declared = if item.root != "config" || !(target ? options) then null
        else safe null ((findOption target.options item.path).found or false);
      outcome = { inherit (found) exists; inherit value type declared; };
    in
    deepSeq outcome outcome // { inherit evidence; };
in
{
  # An error here concerns every item of the target. A variant's error (a bad `with:`)
  # concerns only its own items, so variants are forced per item.
  ready = isAttrs base;
  item = i: evaluateItem (elemAt request.items i);
}
