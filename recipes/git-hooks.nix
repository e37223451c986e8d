# nixcheck as a hook of git-hooks.nix (cachix/git-hooks.nix). In your flake, with inputs
# `nixcheck` and `git-hooks`:
#
#   pre-commit = git-hooks.lib.${system}.run {
#     src = ./.;
#     hooks = import ./nixcheck-hook.nix { nixcheck = nixcheck.packages.${system}.nixcheck; };
#   };
#   devShells.${system}.default = pkgs.mkShell { inherit (pre-commit) shellHook; };
#
# The dev shell's shellHook installs the git hook, which runs `nixcheck test` once when a
# Nix file, flake.lock, nixcheck.yaml or a suite changes. nixcheck evaluates with Nix, which
# the build sandbox of `nix flake check` does not offer: run the hook from the git hook or
# `pre-commit run`, not as a flake check.
{ nixcheck }:
{
  nixcheck = {
    enable = true;
    name = "nixcheck test";
    entry = "${nixcheck}/bin/nixcheck test";
    files = "(\\.nix$|^flake\\.lock$|^nixcheck\\.ya?ml$|^suites/.+\\.ya?ml$)";
    language = "system";
    pass_filenames = false;
    require_serial = true;
  };
}
