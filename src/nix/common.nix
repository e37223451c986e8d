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

  # Loading what a request names. `flakes`: flakes already fetched, by reference (a
  # session fetches each flake once, whatever number of targets read it).
  loaders = flakes: rec {
    getFlake = ref: flakes.${ref} or (builtins.getFlake ref);

    # A value named as data: { kind = "path"; path; } is imported; { kind = "flake"; flake;
    # input?; attrPath; } is an attribute of a flake, or of one of its (locked) inputs.
    loadRef = ref:
      if ref.kind == "path" then import (/. + ref.path)
      else
        let
          flake = getFlake ref.flake;
          root = if ref ? input then flake.inputs.${ref.input} or (throw "nixcheck: the flake ${ref.flake} has no input `${ref.input}'") else flake;
          found = walk root ref.attrPath;
          shown = "${if ref ? input then ref.input else ref.flake}#${builtins.concatStringsSep "." ref.attrPath}";
        in
        if found.exists then found.value else throw "nixcheck: ${shown} does not exist";

    # `base`: { kind = "flake"; flake; attrPath; }, { kind = "file"; file; args?; attrPath; }
    # (a file whose value is a function is called with `args`, default {}), or
    # { kind = "modules"; modules; lib; specialArgs; attrPath; }: lib.evalModules of the
    # modules (a module given as a path stays a path, so the module system records its file).
    loadSource = base:
      if base.kind == "flake" then getFlake base.flake
      else if base.kind == "modules" then
        (loadRef base.lib).evalModules {
          modules = map (m: if m.kind == "path" then /. + m.path else loadRef m) base.modules;
          inherit (base) specialArgs;
        }
      else
        let imported = import (/. + base.file); in
        if builtins.isFunction imported then imported (base.args or { })
        else if base ? args then throw "nixcheck: `args:` is given, but ${base.file} is not a function"
        else imported;

    loadTarget = base:
      let found = walk (loadSource base) base.attrPath; in
      if found.exists then found.value
      else throw "nixcheck: the target has no attribute ${builtins.concatStringsSep "." base.attrPath}";
  };

  inherit (loaders { }) loadRef loadSource loadTarget;
}
