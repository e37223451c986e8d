/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  failures: 1,
  usage: 2,
  infrastructure: 3,
} as const;

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** Bad user input (CLI flags, config, suites, controls, waivers): exit code 2. */
export class InputError extends Error {
  readonly exitCode = EXIT.usage;
  constructor(
    message: string,
    readonly problems: { location?: SourceLocation; message: string }[] = [],
  ) {
    super(
      problems.length === 0
        ? message
        : `${message}\n${problems.map((p) => `  ${p.location ? formatLocation(p.location) + ': ' : ''}${p.message}`).join('\n')}`,
    );
  }
}

/** Nix or the machine failed in a way no assertion explains: exit code 3. */
export class InfrastructureError extends Error {
  readonly exitCode = EXIT.infrastructure;
}
