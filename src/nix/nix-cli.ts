import { runInProcessGroup } from '../process/run-group.js';
import { InfrastructureError } from '../util/errors.js';

/**
 * How nixcheck calls Nix. Only interfaces that Nix 2.8 through 2.3x, Lix and Determinate
 * Nix share: `nix repl` fed lines on stdin (the evaluator sessions), `nix eval --json
 * --impure --file`, `builtins.getFlake`, and flakes enabled per call, so a user's
 * nix.conf needs no change.
 */
export const NIX_FEATURE_ARGS = ['--extra-experimental-features', 'nix-command flakes'] as const;

export interface NixInfo {
  binary: string;
  version: string;
}

let cached: Promise<NixInfo> | undefined;

export function nixBinary(): string {
  return process.env.NIXCHECK_NIX ?? 'nix';
}

/** `nix --version`, once per process. Missing Nix is an infrastructure error. */
export function detectNix(): Promise<NixInfo> {
  cached ??= (async () => {
    const binary = nixBinary();
    const result = await runInProcessGroup(binary, ['--version']);
    if (result.exitCode !== 0) {
      cached = undefined;
      throw new InfrastructureError(
        `nix is not available (${binary} --version failed${result.stderr ? `: ${String(result.stderr).trim()}` : ''}). Install Nix 2.8 or newer.`,
      );
    }
    const match = /(\d+\.\d+(?:\.\d+)?\S*)/.exec(result.stdout);
    return { binary, version: match ? match[1]! : result.stdout.trim() };
  })();
  return cached;
}

/** Nix prints coloured errors; reports want plain text. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export const MARKER_PREFIX = 'trace: nixcheck:';

/**
 * The message of a `--show-trace` error text, without the trace: Nix 2.8 to 2.1x print
 * the message first and the frames after it; later versions print `error:`, the frames,
 * and the message last, as an indented `error: ...` line.
 */
export function nixErrorMessage(trace: string): string {
  const lines = trace.split('\n');
  if (lines[0]?.trim() === 'error:') {
    let last = -1;
    lines.forEach((l, i) => {
      if (i > 0 && /^\s+error: /.test(l)) last = i;
    });
    if (last > 0) {
      const indent = /^\s*/.exec(lines[last]!)![0].length;
      return lines
        .slice(last)
        .map((l) => l.slice(Math.min(indent, /^\s*/.exec(l)![0].length)))
        .join('\n')
        .trim();
    }
  }
  const frames = trace.search(/\n\n\s+(?:… |at \S.*:\d+:\d+:$)/m);
  return (frames >= 0 ? trace.slice(0, frames) : trace).trim();
}

/** The error part of Nix's stderr: markers, warnings before the error and the `--show-trace` hint removed. */
export function nixErrorText(stderr: string): string {
  const lines = stripAnsi(stderr)
    .split('\n')
    .filter((l) => !l.startsWith(MARKER_PREFIX))
    .filter((l) => !/^\(use '--show-trace' to show detailed location information\)$/.test(l.trim()));
  const first = lines.findIndex((l) => l.startsWith('error:'));
  const text = (first >= 0 ? lines.slice(first) : lines).join('\n').trim();
  return text || 'nix failed without an error message';
}
