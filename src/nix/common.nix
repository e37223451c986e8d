# Pieces every nixcheck Nix program shares: reading the JSON request, walking attribute
# paths given as data, and loading the target a request names.
rec {
  # The request is JSON in the file named by the environment variable `var`: suite and
  # control content is data, never Nix source.
  readRequest = var: builtins.fromJSON (builtins.readFile (builtins.getEnv var));

  safe = default: value: let r = builtins.tryEval value; in if r.success then r.value else default;

  walk = root: path:
    builtins.foldl'
      (acc: segment:
        if acc.exists && builtins.isAttrs acc.value && acc.value ? ${segment}
        then { exists = true; value = acc.value.${segment}; }
        else { exists = false; value = null; })
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
