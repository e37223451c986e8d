/** Checks shared by the tests of CI recipes and of the workflow `nixcheck init` writes. */
import { expect } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';

/** `node_modules/.bin/nixcheck <cmd> --a x --b` or `nix run REF -- <cmd> ...` -> { command, flags } */
export function parseInvocation(line: string): { command: string; flags: string[]; args: string[] } {
  const words = line.trim().split(/\s+/);
  const at = words[0] === 'nix' ? words.indexOf('--') : words.findIndex((w) => w.endsWith('/nixcheck'));
  const [command, ...args] = words.slice(at + 1);
  return { command: command!, args, flags: args.filter((w) => w.startsWith('-')).map((w) => w.replace(/^--?/, '').split('=')[0]!) };
}

/** The nixcheck command lines of a recipe; none may run a package looked up by name (`npx nixcheck`). */
export function invocations(text: string): string[] {
  expect(text).not.toMatch(/\b(npx|npm exec|pnpm dlx|yarn dlx)\b[^\n]*nixcheck/);
  return [...text.matchAll(/(?:node_modules\/\.bin\/nixcheck|nix run \S+(?: \S+)* --) [^\n'"]+/g)].map((m) => m[0].trim());
}

export function expectRealCommands(lines: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const { command, flags } = parseInvocation(line);
    const spec = COMMANDS.find((c) => c.name === command);
    expect(spec, `${line}: command "${command}"`).toBeDefined();
    for (const flag of flags) {
      const known = spec!.flags.some((f) => f.name === flag || f.short === flag);
      expect(known, `${line}: flag --${flag} of nixcheck ${command}`).toBe(true);
    }
  }
}

