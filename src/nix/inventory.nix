# nixcheck's option inventory: every option of one target that the user's own files
# declare or define, found in a single Nix evaluation.
#
# The request arrives as JSON in the file named by $NIXCHECK_INVENTORY_REQUEST_FILE (read
# with builtins.fromJSON), never as Nix source:
#   { base; roots = [ dir ... ]; skip = [ loc ... ]; skipSubOptions = [ loc ... ];
#     reads = [ path ... ]; probeModulesPath = bool; }
#
# The walk follows the target's `options` tree (skipping `_module`), and, below every
# option a user file declares, the options declared inside its type (submodules:
# `type.getSubOptions loc`, with `<name>` / `*` in their loc, as the NixOS manual lists
# them). Every node is guarded with builtins.tryEval, and option values are never asked
# for. To learn which files define an option it forces `files`, which makes the module
# system decide its mkIf conditions and look at each definition (a string definition is
# computed for that); options a read covers and the user declares are not asked (nothing
# the report shows needs it), nor are sub-options (their definitions live in the outer
# option). An error tryEval cannot catch (abort, infinite recursion, a missing attribute)
# ends the process, so a marker `trace: nixcheck:option:<json loc>` goes to stderr before
# each option's `files` are forced, and `trace: nixcheck:suboptions:<json loc>` before
# its sub-options are: the caller skips that option (or its sub-options) and runs again.
let
  common = import ./common.nix;
  inherit (common) safe;
  request = common.readRequest "NIXCHECK_INVENTORY_REQUEST_FILE";

  inherit (builtins)
    all any attrNames concatLists deepSeq elem elemAt filter foldl' genList groupBy head isAttrs
    isList isString length stringLength substring toJSON trace tryEval unsafeDiscardStringContext;

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

  # --- what suites and controls read -------------------------------------------------

  # A read covers an option when one is a prefix of the other; the option's `<name>` and
  # `*` segments (submodule placeholders) match any segment.
  placeholder = segment: segment == "*" || (substring 0 1 segment == "<" && substring (stringLength segment - 1) 1 segment == ">");
  covers = read: loc:
    let n = if length read < length loc then length read else length loc; in
    n > 0 && all (i: let o = elemAt loc i; in o == elemAt read i || placeholder o) (genList (i: i) n);
  readsByHead = groupBy head (filter (r: r != [ ]) (request.reads or [ ]));
  isRead = loc: loc != [ ] && any (r: covers r loc) (readsByHead.${head loc} or [ ]);

  # --- the walk -----------------------------------------------------------------------

  keySet = list: builtins.listToAttrs (map (p: { name = toJSON p; value = true; }) list);
  skipped = keySet request.skip;
  skippedSubOptions = keySet (request.skipSubOptions or [ ]);

  position = p: { file = text p.file; line = p.line; column = p.column or 0; };

  # Submodules inside submodules: deeper than this is taken for a recursive type.
  maxSubOptionDepth = 8;

  leaf = path: depth: option:
    let
      loc = forced path (map text option.loc);
      key = toJSON loc;
      declarations = forced [ ] (map text (option.declarations or [ ]));
      declarationPositions =
        if !(safe false (option ? declarationPositions)) then null
        else forced null (map position option.declarationPositions);
      userDeclared = any userFile declarations;
      isSkipped = skipped ? ${key};
      # Sub-options carry no definitions of their own; a covered option of the user's
      # needs none for the report.
      askFiles = depth == 0 && !isSkipped && !(userDeclared && isRead loc);
      filesResult =
        if !askFiles then { ok = false; value = [ ]; }
        else trace "nixcheck:option:${key}"
          (let r = tryEval (deepSeq (map text option.files) (map text option.files)); in
           { ok = r.success; value = if r.success then r.value else [ ]; });
      # 1500: only the option's own default (the module system lists the declaring file).
      highestPrio = if !filesResult.ok then null else safe null (deepSeq option.highestPrio option.highestPrio);
      relevant = userDeclared || any userFile filesResult.value;
      # tryEval catches no missing attribute: ask first (a type without getSubOptions has none).
      hasSubOptions = safe false (option ? type && option.type ? getSubOptions);
      subOptions =
        if !userDeclared || !hasSubOptions || depth >= maxSubOptionDepth || skippedSubOptions ? ${key} then [ ]
        else trace "nixcheck:suboptions:${key}"
          (walk path (depth + 1) (safe { } (option.type.getSubOptions option.loc)));
    in
    (if !relevant then [ ]
    else [{
      inherit loc declarations declarationPositions highestPrio;
      files = filesResult.value;
      filesKnown = filesResult.ok;
      skipped = isSkipped;
      subOption = depth > 0;
      description = safe false (option ? description && option.description != null && option.description != "");
      example = safe false (option ? example);
    }]) ++ subOptions;

  kindOf = node:
    safe "broken" (
      if !(isAttrs node) then "other"
      else if (node._type or null) == "option" then "option"
      else "set");

  walk = path: depth: node:
    let kind = kindOf node; in
    if kind == "option" then leaf path depth node
    else if kind == "set" then
      concatLists (map
        (name: if name == "_module" then [ ] else walk (path ++ [ name ]) depth node.${name})
        (safe [ ] (attrNames node)))
    else [ ];

  options = trace "nixcheck:target" (target.options or (throw "nixcheck: the target has no `options` attribute (not a module-system result)"));
in
{
  inherit roots;
  modulesPath = if isString modulesPath then modulesPath else null;
  options = walk [ ] 0 options;
}
