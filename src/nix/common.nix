# Pieces every nixcheck Nix program shares: reading the JSON request, walking attribute
# paths given as data, and loading the target a request names.
rec {
  # The request is JSON in the file named by the environment variable `var`: suite and
  # control content is data, never Nix source.
  readRequest = var: builtins.fromJSON (builtins.readFile (builtins.getEnv var));

  safe = default: value: let r = builtins.tryEval value; in if r.success then r.value else default;

  # A path segment is an attribute name (a string), or a list index (an integer; on an
  # attribute set it names the attribute of that number).
  walk = root: path:
    builtins.foldl'
      (acc: segment:
        let
          value = acc.value;
          name = toString segment;
          missing = { exists = false; value = null; };
        in
        if !acc.exists then missing
        else if builtins.isAttrs value then (if value ? ${name} then { exists = true; value = value.${name}; } else missing)
        else if builtins.isList value && builtins.isInt segment then
          (if segment >= 0 && segment < builtins.length value then { exists = true; value = builtins.elemAt value segment; } else missing)
        else missing)
      { exists = true; value = root; }
      path;

  # `base`: { kind = "flake"; flake; attrPath; } or { kind = "file"; file; attrPath; }.
  # A file whose value is a function is called with {}.
  loadSource = base:
    if base.kind == "flake" then builtins.getFlake base.flake
    else let imported = import (/. + base.file); in
      if builtins.isFunction imported then imported { } else imported;

  # A target that is missing or not an attribute set is the user's mistake: say so in
  # their terms (what exists instead) rather than fail later inside nixcheck's engine.
  loadTarget = base:
    let
      source = loadSource base;
      found = walk source base.attrPath;
      shown = builtins.concatStringsSep "." base.attrPath;
      parentPath = builtins.genList (builtins.elemAt base.attrPath) (builtins.length base.attrPath - 1);
      parent = walk source parentPath;
      names = if parent.exists && builtins.isAttrs parent.value then builtins.attrNames parent.value else [ ];
      listed = builtins.genList (builtins.elemAt names) (if builtins.length names > 50 then 50 else builtins.length names);
      where = if parentPath == [ ] then "the flake's outputs" else builtins.concatStringsSep "." parentPath;
      existing = if names == [ ] then "" else "; ${where} has: ${builtins.concatStringsSep ", " listed}${if builtins.length names > 50 then ", ..." else ""}";
    in
    if !found.exists then throw "nixcheck: no such target: ${shown}${existing}"
    else if !(builtins.isAttrs found.value) then
      throw "nixcheck: the target ${if shown == "" then base.file or "" else shown} is of type ${builtins.typeOf found.value}, not an attribute set (a NixOS configuration, an evalModules result or a set holding one)"
    else found.value;
}
