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

  loadTarget = base:
    let found = walk (loadSource base) base.attrPath; in
    if found.exists then found.value
    else throw "nixcheck: the target has no attribute ${builtins.concatStringsSep "." base.attrPath}";
}
