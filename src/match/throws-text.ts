/**
 * What a `throws:` regular expression is matched against. This is the one place that
 * decides it (docs/suite-format.md, "What `throws:` sees").
 *
 * When Nix reported the error with `--show-trace` (every error Nix can catch, which is
 * what `throw`, `assert` and the module system's own errors are), the whole trace: the
 * message and every frame of context ("… while evaluating the option `services.x.port'",
 * "… while evaluating definitions from `/etc/nixos/x.nix'", "at <file>:<line>:<col>"),
 * with the source excerpts Nix prints under a position (`  12| code` and the `^`
 * pointer line) left out, so that code around an error never matches in its place.
 * Otherwise (errors that end the Nix process: abort, infinite recursion, a timeout) the
 * message alone.
 */
export function throwsText(error: { error: string; trace?: string }): string {
  if (error.trace === undefined) return error.error;
  return error.trace
    .split('\n')
    .filter((line) => !SOURCE_EXCERPT.test(line))
    .join('\n');
}

const SOURCE_EXCERPT = /^\s*\d*\|/;
