# Evidence: the module system's own account of where a config value came from.
#
# `context { target; base; withFile; paths; }` gives, for one module-system result, a
# function `evidenceFor path value deep` answering: which option holds the path, which
# definitions won (file, priority, a sketch of the value for finding the line), which
# lost, and whether nobody set it (the declared default). Nothing here decides whose
# files are whose (that needs the user's checkout): it reports files as the module
# system names them. Self-contained: the engine only keeps one context per target.
#
# Every function is total for what the module system hands it: attributes are tested
# with `?` before use and values only looked at through `builtins.tryEval`, because an
# error here must never cost the value its verdict.
#
# Sub-options of submodules (`users.users.alice.isNormalUser`) are found through the
# option's `valueMeta` (nixpkgs lib since 2025: `valueMeta.attrs.<name>`,
# `valueMeta.list`, `valueMeta.configuration.options`); without it, through the raw
# definitions of the enclosing option, or "unknown" where those cannot tell.
#
# Definitions that lost a whole option are not kept by the module system. With `deep`,
# they are recovered by evaluating again without the winners' definitions of that
# option: each winning module (a file) is replaced by a copy of itself that lacks the
# option's path (`disabledModules` plus the copy, through `extendModules`), so every
# other value, and every condition, stays as it was (the option's own definitions were
# evaluated before without reading the option: only what they read is read again).
# Winners that cannot be copied (inline modules, with no file to load) leave the losers
# unknown. This costs an evaluation of the target per option and level: about 0.9 s an
# option with nixpkgs' lib and 1500 small modules, measured on Nix 2.8.
# `common`: common.nix, as session.nix passes it.
common:
let
  inherit (common) safe;

  inherit (builtins)
    all any attrNames concatLists deepSeq elem elemAt filter foldl' functionArgs genList
    head isAttrs isFunction isInt isList isString length listToAttrs mapAttrs removeAttrs
    stringLength substring tail toJSON typeOf;

  # How many times the losers of one option are looked for one level further down.
  maxLevels = 3;

  isOption = node: isAttrs node && (node._type or null) == "option";
  drop = n: list: genList (i: elemAt list (n + i)) (length list - n);
  wrapperOf = v: if isAttrs v then v._type or null else null;

  # The option at `path` in an options tree, and how many segments lead to it.
  findOption = options: path:
    let
      go = node: i:
        if isOption node then { found = true; option = node; depth = i; }
        else if i >= length path || !(isAttrs node) then { found = false; }
        else
          let segment = elemAt path i; in
          if isString segment && node ? ${segment} then go node.${segment} (i + 1) else { found = false; };
    in
    safe { found = false; } (go options 0);

  # Below a submodule-typed option, its valueMeta holds the sub-options themselves.
  locate = options: path:
    let f = findOption options path; in
    if !f.found then null else descend f.option (drop f.depth path);

  descend = option: rest:
    let
      meta = safe { } (if option ? valueMeta && isAttrs option.valueMeta then option.valueMeta else { });
      sub = safe null (subOption meta rest);
    in
    if sub != null then sub else { inherit option rest; };

  subOption = meta: rest:
    if rest == [ ] || !(isAttrs meta) then null
    else
      let segment = head rest; in
      if meta ? configuration && isAttrs meta.configuration && meta.configuration ? options then
        locate meta.configuration.options rest
      else if meta ? attrs && isAttrs meta.attrs && isString segment && meta.attrs ? ${segment} then
        subOption meta.attrs.${segment} (tail rest)
      else if meta ? list && isList meta.list && isInt segment && segment >= 0 && segment < length meta.list then
        subOption (elemAt meta.list segment) (tail rest)
      else null;

  # --- one definition, one key --------------------------------------------------------

  # A definition value's part at `rest` (below the option), through mkIf / mkMerge /
  # mkOverride: present (true, false or "unknown": a module function hides it), its own
  # priority when a wrapper inside sets one, and the part itself.
  definitionFor = value: rest:
    let kind = wrapperOf value; in
    if kind == "override" then
      let inner = definitionFor value.content rest; in
      inner // { priority = if inner.priority == null then value.priority else inner.priority; }
    else if kind == "if" then
      (if value.condition == true then definitionFor value.content rest
       else if value.condition == false then absent
       else unknown)
    else if kind == "order" then definitionFor value.content rest
    else if kind == "merge" then
      let
        parts = map (c: definitionFor c rest) value.contents;
        found = filter (d: d.present == true) parts;
        strength = d: if d.priority == null then 100 else d.priority;
      in
      if any (d: d.present == "unknown") parts then unknown
      else if found == [ ] then absent
      else foldl' (best: d: if strength d < strength best then d else best) (head found) found
    else if kind != null then unknown
    else if rest == [ ] then { present = true; priority = null; inherit value; }
    else if isFunction value then unknown
    else
      let segment = head rest; name = toString segment; in
      if isAttrs value then
        (if value ? ${name} then definitionFor value.${name} (tail rest) else absent)
      else if isList value then unknown
      else absent;

  absent = { present = false; priority = null; };
  unknown = { present = "unknown"; priority = null; };

  # A list option's element `i` belongs to the definition that contributed it: the merged
  # list is the definitions' lists in order (definitionsWithLocations is in merge order).
  listElement = definitions: i: rest:
    let
      plain = all (d: all (e: wrapperOf e == null) d.value) definitions;
      owner = foldl'
        (acc: d:
          if acc.found != null then acc
          else if i < acc.offset + length d.value then { found = definitionFor (elemAt d.value (i - acc.offset)) rest // { inherit (d) file; }; offset = acc.offset; }
          else { found = null; offset = acc.offset + length d.value; })
        { found = null; offset = 0; }
        definitions;
    in
    if !plain || owner.found == null then null else owner.found;

  # --- values as a sketch, for finding a definition's line by text ---------------------

  # Scalars, short strings and small lists and sets of them; anything else (functions,
  # derivations, large or deep values, errors) is opaque. Only winning definitions are
  # sketched, whose values the merged value has forced already; a property wrapper inside
  # one (a key that lost within it) stays opaque, unforced. Never forces a derivation.
  opaque = { _nixcheckOpaque = true; };
  sketch = depth: v:
    let
      r = builtins.tryEval (
        let t = typeOf v; in
        if t == "int" || t == "bool" || t == "null" || t == "float" then v
        else if t == "string" then (if stringLength v <= 400 then v else opaque)
        else if t == "path" then toString v
        else if depth >= 4 then opaque
        else if t == "list" then (if length v <= 32 then map (sketch (depth + 1)) v else opaque)
        else if t == "set" then
          (if (v.type or null) == "derivation" || v ? _type || length (attrNames v) > 64 then opaque
           else mapAttrs (_: sketch (depth + 1)) v)
        else opaque);
    in
    if r.success then deepSeq r.value r.value else opaque;

  # --- loading a module again, without one option's definitions ------------------------

  # `path` removed from a module's config, through the property wrappers around it.
  without = path: v:
    let kind = wrapperOf v; in
    if kind == "if" || kind == "override" || kind == "order" then v // { content = without path v.content; }
    else if kind == "merge" then v // { contents = map (without path) v.contents; }
    else if kind != null || !(isAttrs v) then throw "nixcheck: cannot remove a definition from this value"
    else
      let name = head path; in
      if !(v ? ${name}) then v
      else if length path == 1 then removeAttrs v [ name ]
      else v // { ${name} = without (tail path) v.${name}; };

  moduleMeta = [ "_class" "_file" "key" "disabledModules" "imports" "require" "freeformType" "meta" ];

  unique = list: foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ] list;

  isPlain = s:
    if isAttrs s then !(s ? _nixcheckOpaque) && all (n: isPlain s.${n}) (attrNames s)
    else if isList s then all isPlain s
    else true;
in
{
  inherit findOption;

  # `target`: a module-system result; `base`: the result `target` extends with the
  # `with:` module (null when there is none); `withFile`: that module's file name;
  # `paths`: the config paths `deep` evidence will be asked for (re-evaluations without
  # an option's winners are shared by the paths below the same option).
  context = { target, base ? null, withFile, paths ? [ ] }:
    let
      modulesPath = safe null (
        let p = target._module.specialArgs.modulesPath or null; in
        if p == null then null else toString p);

      canExtend = isAttrs target && target ? extendModules && target ? _module;

      # The arguments modules of `target` are called with (lib, config, specialArgs, and
      # `_module.args` for those a module names), for loading a module again.
      moduleArgs = (target.extendModules {
        modules = [ (args: { options._nixcheckModuleArgs = args.lib.mkOption { default = args; description = "nixcheck: module arguments"; }; }) ];
      }).options._nixcheckModuleArgs.default;
      callModule = f:
        if !(isFunction f) then f
        else f (moduleArgs // mapAttrs (n: _: moduleArgs.${n} or target._module.args.${n} or (throw "nixcheck: no module argument ${n}")) (functionArgs f));

      # Module keys by file, from the result's module graph (without one: file modules,
      # whose key is their path).
      graph = safe null (if target ? graph then let g = flatten target.graph; in deepSeq g g else null);
      flatten = nodes: concatLists (map (n: [ { key = toString n.key; file = toString n.file; } ] ++ flatten n.imports) nodes);
      keysOf = file: if graph == null then [ file ] else map (n: n.key) (filter (n: n.file == file) graph);

      # `t` (`target`, or one of these when `depth` > 0) again, with the definitions of
      # option `loc` taken out of the modules of `files`; null when one of them cannot be
      # (no file to load it from).
      withoutDefinitions = t: depth: loc: files:
        let
          # The `with:` module's definitions go by going back to the result it extends.
          start = if !(elem withFile files) then t else if depth == 0 && base != null then base else null;
          others = filter (f: f != withFile) files;
          keys = unique (concatLists (map keysOf others));
          loadable = all (k: substring 0 1 k == "/") keys && (others == [ ] || keys != [ ]);
          copy = key:
            let
              v = callModule (import (/. + key));
              structured = v ? config || v ? options;
              config = if structured then v.config or { } else removeAttrs v moduleMeta;
              kept = if structured then removeAttrs v [ "config" ] else builtins.intersectAttrs (listToAttrs (map (n: { name = n; value = null; }) moduleMeta)) v;
            in
            kept // { _file = v._file or key; key = "${key}#nixcheck-without-definitions"; config = without loc config; };
        in
        if start == null || !loadable || !canExtend then null
        else if others == [ ] then start
        else start.extendModules { modules = [ { disabledModules = map (k: /. + k) keys; } ] ++ map copy keys; };

      # The option at `path` in `t`, with its winning files and priority.
      levelIn = t: path: safe null (
        let l = locate (t.options or { }) path; in
        if l == null then null
        else
          let
            files = map (d: toString d.file) l.option.definitionsWithLocations;
            highestPrio = l.option.highestPrio;
            loc = map toString l.option.loc;
          in
          if !(isInt highestPrio) then null else deepSeq [ files loc ] (l // { inherit files highestPrio loc; }));

      # Shared by every path below the same option. Only the options tree is walked to
      # name them: an option's definitions are looked at when a path below it asks, so
      # that one path's error never surfaces while another is evaluated.
      firstLevels = builtins.mapAttrs
        (_: option: safe null (
          let files = map (d: toString d.file) option.definitionsWithLocations; in
          withoutDefinitions target 0 (map toString option.loc) (unique files)))
        (listToAttrs (concatLists (map
          (path: let f = findOption (target.options or { }) path; in
            if f.found then [ { name = toJSON (genList (elemAt path) f.depth); value = f.option; } ] else [ ])
          paths)));

      # The definitions of `path`, level by level: what won, then (`deep`) what would have
      # won without it, ... A level not looked at ends the list as incomplete.
      levels = path: deep:
        let
          go = t: excluded: n:
            let
              here = levelIn t path;
              # The copies really lack the option: none of their files defines it again (the
              # declared default is defined in the declaring file, which may be one of them).
              clean = here != null && (here.highestPrio >= 1500 || !(any (f: elem f excluded) here.files));
              next =
                if n == 0 && firstLevels ? ${toJSON here.loc} then firstLevels.${toJSON here.loc}
                else withoutDefinitions t n here.loc (unique here.files);
            in
            if !clean then [ incomplete ]
            else [ here ] ++ (
              if here.highestPrio >= 1500 then [ ]
              else if !deep || n + 1 >= maxLevels || next == null then [ incomplete ]
              else go next (excluded ++ here.files) (n + 1));
        in
        go target [ ] 0;

      incomplete = { incomplete = true; };

      # One level's definitions of `rest` below its option, with their priority there.
      keyDefinitions = level:
        let
          defs = safe [ ] (let d = level.option.definitionsWithLocations; in deepSeq (map (x: x.file) d) d);
          inFile = file: length (filter (x: toString x.file == file) defs);
          at = d: def: {
            file = toString d.file;
            definitionsInFile = inFile (toString d.file);
            inherit (def) present;
            priority = if isInt def.priority then def.priority else level.highestPrio;
            value = def.value or null;
          };
          rest = level.rest;
          owner = listElement defs (head rest) (tail rest);
        in
        if rest == [ ] then map (d: at d { present = true; priority = null; inherit (d) value; }) defs
        else if isInt (head rest) && defs != [ ] && all (d: isList d.value) defs then
          [ (if owner == null then { file = null; present = "unknown"; priority = null; value = null; definitionsInFile = 0; } else at owner owner) ]
        else map (d: at d (safe unknown (definitionFor d.value rest))) defs;

      # A losing definition's value was never needed: looking at it could fail where the
      # configuration does not, so its line is told by priority alone.
      site = d: { inherit (d) file priority definitionsInFile; };
      winner = d: site d // { value = sketch 0 d.value; };
    in
    {
      inherit modulesPath;

      evidenceFor = path: value: deep:
        let
          found = levels path deep;
          first = head found;
          complete = !(any (l: l.incomplete or false) found);
          definitions = concatLists (map keyDefinitions (filter (l: !(l.incomplete or false)) found));
          unsure = any (d: d.present == "unknown") definitions;
          present = filter (d: d.present == true) definitions;
          best = foldl' (acc: d: if acc == null || d.priority < acc then d.priority else acc) null present;
          winners = filter (d: d.priority == best) present;
          losers = filter (d: d.priority != best && d.priority < 1500) present;
          option = first.option;
          # No definition sets the key, yet it has a value: the declared default has it,
          # or nothing we can see says where it came from.
          fromDefault = safe false (
            let d = common.walk option.default first.rest; in
            d.exists && isPlain (sketch 0 value) && sketch 0 d.value == sketch 0 value);
          source =
            if unsure then "unknown"
            else if present == [ ] then (if fromDefault then "default" else "unknown")
            else if best >= 1500 then "default"
            else "set";
        in
        if first.incomplete or false then null
        else {
          option = first.loc;
          subPath = first.rest;
          isDefined = safe false option.isDefined;
          declarations = safe [ ] (map toString (option.declarations or [ ]));
          declarationPositions = safe [ ] (deepSeq (option.declarationPositions or [ ]) (option.declarationPositions or [ ]));
          priority = if source == "unknown" || present == [ ] then null else best;
          inherit source modulesPath;
          definitions = map winner (if source == "unknown" then present else winners);
          overridden = if source == "unknown" then [ ] else map site losers;
          # true: every definition that lost is listed; false: a level below the winners
          # could not be looked at, so more may have lost; null: not looked for (not `deep`).
          overriddenKnown = if source == "unknown" then false else if complete then true else if deep then false else null;
        };
    };
}
