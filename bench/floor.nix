# Benchmark floor: exactly the values nixcheck's run reads, in one plain `nix eval --json`,
# with no evidence, no error isolation and no markers. Paths come as JSON data.
let
  request = builtins.fromJSON (builtins.readFile (builtins.getEnv "NIXCHECK_BENCH_REQUEST_FILE"));
  flake = builtins.getFlake request.flake;
  get = root: path: builtins.foldl' (v: segment: v.${segment}) root path;
in
builtins.mapAttrs (host: paths: map (get flake.nixosConfigurations.${host}.config) paths) request.paths
