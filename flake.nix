{
  description = "nixcheck: test harness and compliance runner for NixOS configurations";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      # `nix run <ref>#nixcheck -- test`, `nix profile install <ref>#nixcheck`; `default` is the same package.
      packages = forAllSystems (pkgs: rec {
        nixcheck = default;
        # Built from package-lock.json alone: importNpmLock needs no dependency hash.
        default = pkgs.buildNpmPackage {
          pname = "nixcheck";
          version = (builtins.fromJSON (builtins.readFile ./package.json)).version;
          src = ./.;
          npmDeps = pkgs.importNpmLock { npmRoot = ./.; };
          npmConfigHook = pkgs.importNpmLock.npmConfigHook;
          nodejs = pkgs.nodejs_20;
          # nixcheck calls nix, xmllint and genhtml at run time.
          nativeBuildInputs = [ pkgs.makeWrapper ];
          postFixup = ''
            wrapProgram $out/bin/nixcheck --prefix PATH : ${pkgs.lib.makeBinPath [ pkgs.nix pkgs.libxml2 pkgs.lcov ]}
          '';
          meta = {
            description = "Test harness and compliance runner for NixOS configurations";
            mainProgram = "nixcheck";
            license = pkgs.lib.licenses.mit;
          };
        };
      });

      apps = forAllSystems (pkgs: rec {
        nixcheck = default;
        default = {
          type = "app";
          program = "${self.packages.${pkgs.system}.default}/bin/nixcheck";
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [ pkgs.nodejs_20 pkgs.nix pkgs.libxml2 pkgs.lcov ];
        };
      });
    };
}
