import { packagePath } from '../util/package-root.js';

/**
 * What a `throws:` regular expression is matched against. This is the one place that
 * decides it (docs/suite-format.md, "What `throws:` sees"); results.json stores the same
 * text as `errorTrace`.
 *
 * When Nix reported the error with `--show-trace` (every error Nix can catch, which is
 * what `throw`, `assert` and the module system's own errors are): the whole trace, that
 * is the message and every frame of context ("… while evaluating the option
 * `services.x.port'", "… while evaluating definitions from `/etc/nixos/x.nix'", "at
 * <file>:<line>:<col>"), without
 *   - the source excerpts Nix prints under a position (`  12| code` and the `^` line), so
 *     that code near an error never matches in its place, and
 *   - the frames in nixcheck's own Nix files (src/nix) and in the lines it types into its
 *     `nix repl` sessions (`«string»`, the only expressions Nix parses from a string
 *     there), which say nothing about the configuration.
 * Otherwise (errors that end the Nix process: a stack overflow on Nix 2.8, being killed
 * for memory, a timeout): the message alone.
 */
export function throwsText(error: { error: string; trace?: string }): string {
  if (error.trace === undefined) return error.error;
  const lines = error.trace.split('\n').filter((line) => !SOURCE_EXCERPT.test(line));
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (FRAME.test(lines[i]!)) {
      let next = i + 1;
      while (next < lines.length && lines[next]!.trim() === '') next++;
      // Stryker disable next-line StringLiteral: any text that is no position line stands for no line here
      const at = POSITION.exec(lines[next] ?? '');
      if (at && (at[1] === REPL_INPUT || at[1]!.startsWith(NIXCHECK_NIX_FILES))) {
        i = next;
        continue;
      }
    }
    kept.push(lines[i]!);
  }
  return kept.join('\n').replace(/\n(?:[ \t]*\n){2,}/g, '\n\n').trim();
}

const SOURCE_EXCERPT = /^\s*\d*\|/;
const FRAME = /^\s*… /;
const POSITION = /^\s*at (\/\S*|«string»):\d+:\d+:$/;
const REPL_INPUT = '«string»';
const NIXCHECK_NIX_FILES = `${packagePath('src', 'nix')}/`;
