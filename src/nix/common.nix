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
  };

  inherit (loaders { }) loadRef loadSource loadTarget;
}
