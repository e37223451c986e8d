# nixcheck's option inventory: every option of one target that the user's own files
# declare or define, found in a single Nix evaluation.
#
# The request arrives as JSON in the file named by $NIXCHECK_INVENTORY_REQUEST_FILE (read
# with builtins.fromJSON), never as Nix source:
#   { base; roots = [ dir ... ]; skip = [ [ "a" "b" ] ... ]; probeModulesPath = bool; }
#
# The walk follows the target's `options` tree (skipping `_module`), guards every node
# with builtins.tryEval and never forces an option's value. To learn which files define an
# option it forces `files`, which makes the module system decide its mkIf conditions; an
# error tryEval cannot catch there (abort, infinite recursion, a missing attribute) ends
# the process, so a marker `trace: nixcheck:option:<json path>` goes to stderr before
# each option's `files` are forced: the caller skips that option and runs again.
let
  common = import ./common.nix;
  inherit (common) safe;
  request = common.readRequest "NIXCHECK_INVENTORY_REQUEST_FILE";

  inherit (builtins)
    any attrNames concatLists deepSeq elem filter foldl' isAttrs isList isString
    stringLength substring toJSON trace tryEval unsafeDiscardStringContext;

  forced = default: value: safe default (deepSeq value value);

  # --- the target ---------------------------------------------------------------------

  flake = if request.base.kind == "flake" then common.loadSource request.base else null;
  target = common.loadTarget request.base;

  # --- which files are the user's -----------------------------------------------------

  text = value: unsafeDiscardStringContext (toString value);

  roots = filter (r: r != "" && r != "/")
    ((if flake != null then [ (text flake.outPath) ] else [ ]) ++ map text request.roots);

  # The module system's own modules (NixOS: nixpkgs/nixos/modules) are never the user's,
  # even when they lie under a root. A probe module reads `modulesPath` from the module
  # arguments and declares it as an option default, which is read without forcing config.
  probe = args: {
    options._nixcheckInventoryProbe = args.lib.mkOption {
      default = if args ? modulesPath then text args.modulesPath else null;
      description = "nixcheck inventory probe";
    };
  };
  modulesPath =
    if !request.probeModulesPath || !(target ? extendModules) then null
    else trace "nixcheck:probe" (forced null
      ((target.extendModules { modules = [ probe ]; }).options._nixcheckInventoryProbe.default));

  excluded = if isString modulesPath && modulesPath != "" then [ modulesPath ] else [ ];

  # A declaration may read "/nix/store/...-source/x.nix" or carry a suffix such as
  # "#nixosModules.foo" or ", via option ..."; prefix comparison handles both.
  under = dirs: file: any (d: substring 0 (stringLength d + 1) file == d + "/") dirs;
  # A module written inline has a name, not a path (`<unknown-file>`, or its `_file`
  # label): it is the user's, unless it is the module system's own (`lib/modules.nix`).
  inline = file: substring 0 1 file != "/" && file != "lib/modules.nix";
  userFile = file: inline file || (under roots file && !(under excluded file));

  # --- the walk -----------------------------------------------------------------------

  skipped = builtins.listToAttrs (map (p: { name = toJSON p; value = true; }) request.skip);

  position = p: { file = text p.file; line = p.line; column = p.column or 0; };

  leaf = path: option:
    let
      key = toJSON path;
      loc = forced path (map text option.loc);
      declarations = forced [ ] (map text (option.declarations or [ ]));
      declarationPositions =
        if !(safe false (option ? declarationPositions)) then null
        else forced null (map position option.declarationPositions);
      isSkipped = skipped ? ${key};
      filesResult =
        if isSkipped then { ok = false; value = [ ]; }
        else trace "nixcheck:option:${key}"
          (let r = tryEval (deepSeq (map text option.files) (map text option.files)); in
           { ok = r.success; value = if r.success then r.value else [ ]; });
      # 1500: only the option's own default (the module system lists the declaring file).
      highestPrio = if isSkipped || !filesResult.ok then null else safe null (deepSeq option.highestPrio option.highestPrio);
      relevant = any userFile declarations || any userFile filesResult.value;
    in
    if !relevant then [ ]
    else [{
      inherit loc declarations declarationPositions highestPrio;
      files = filesResult.value;
      filesKnown = filesResult.ok;
      skipped = isSkipped;
    }];

  kindOf = node:
    safe "broken" (
      if !(isAttrs node) then "other"
      else if (node._type or null) == "option" then "option"
      else "set");

  walk = path: node:
    let kind = kindOf node; in
    if kind == "option" then leaf path node
    else if kind == "set" then
      concatLists (map
        (name: if name == "_module" then [ ] else walk (path ++ [ name ]) node.${name})
        (safe [ ] (attrNames node)))
    else [ ];

  options = trace "nixcheck:target" (target.options or (throw "nixcheck: the target has no `options` attribute (not a module-system result)"));
in
{
  inherit roots;
  modulesPath = if isString modulesPath then modulesPath else null;
  options = walk [ ] options;
}
