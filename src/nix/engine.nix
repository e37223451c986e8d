# nixcheck's evaluation engine: reads the values a run needs from one target.
#
# `request` is JSON data (read with builtins.fromJSON by session.nix, from a request
# file), never Nix source, so an attribute name like `a"; builtins.abort "x` is only an
# attribute name: { base; withFile; variants = [ { id; config; priority; } ]; items = [ ... ]; }.
# `flakes`: the flakes the target reads, already fetched, by reference.
#
# The session forces `ready` (the target itself), then `item i` for each item, each as
# its own step, so an error in one item is that item's own and never hides another.
#
# `common` and `evidence` are common.nix and evidence.nix (applied to common), as session.nix
# passes them.
{ common, evidence }:
{ request, flakes ? { } }:
let
  inherit (common) safe walk;

  inherit (builtins) elemAt isAttrs typeOf deepSeq;

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
      _file = request.withFile;
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

  # One evidence context per variant (see evidence.nix).
  evidenceContexts = builtins.mapAttrs
    (id: target: evidence.context {
      inherit target;
      base = if variantConfigs.${id} == null then null else base;
      withFile = request.withFile;
      paths = map (item: item.path) (builtins.filter (item: item.variant == id && item.evidence == "full" && item.root == "config") request.items);
    })
    variants;
  variantConfigs = builtins.listToAttrs (map (v: { name = v.id; value = v.config; }) request.variants);

  # --- items ------------------------------------------------------------------------

  evaluateItem = item:
    let
      target = variants.${item.variant};
      root = if item.root == "config" then target.config else target;
      found = walk root item.path;
      # `names`: only the attribute names (listing hosts without evaluating them).
      value = if !found.exists then null else if item.names or false then builtins.attrNames found.value else toData found.value;
      type = if found.exists then nixType found.value else null;
      # `evidence`: false, true, or "full" (also what lost the whole option).
      evidenceAnswer = if item.evidence != false && item.root == "config" && found.exists
        then safe null (let e = evidenceContexts.${item.variant}.evidenceFor item.path found.value (item.evidence == "full"); in deepSeq e e)
        else null;
      # Whether an option is declared along a config path: a missing key inside a declared
      # option (no /tmp file system) differs from an option this system does not have.
      declared = if item.root != "config" || !(target ? options) then null
        else safe null (evidence.findOption target.options item.path).found;
      outcome = { inherit (found) exists; inherit value type declared; };
    in
    deepSeq outcome outcome // { evidence = evidenceAnswer; };
in
{
  # An error here concerns every item of the target. A variant's error (a bad `with:`)
  # concerns only its own items, so variants are forced per item.
  ready = isAttrs base;
  item = i: evaluateItem (elemAt request.items i);
}
