/**
 * Regular expressions written by users (suites, controls, waivers, VM test expectations)
 * run on RE2's semantics (re2js): matching takes time linear in the input, so no pattern
 * can hang a run the way `^(a+)+$` does in a backtracking engine. RE2 has no lookaround
 * and no backreferences; such a pattern is refused when the file is loaded.
 */
import { RE2JS } from 're2js';

export interface UserRegex {
  readonly source: string;
  /** Whether the pattern matches anywhere in `text` (like RegExp.prototype.test). */
  test(text: string): boolean;
}

const compiled = new Map<string, UserRegex>();

/** Compile a pattern that passed `userRegexProblem` (else this throws its message). */
export function compileUserRegex(source: string): UserRegex {
  let regex = compiled.get(source);
  if (!regex) {
    const re = compile(source);
    if (typeof re === 'string') throw new Error(re);
    regex = { source, test: (text) => re.test(text) };
    compiled.set(source, regex);
  }
  return regex;
}

/** Why `source` is not a regex nixcheck can run, or undefined when it is. */
export function userRegexProblem(source: string): string | undefined {
  const re = compile(source);
  return typeof re === 'string' ? re : undefined;
}

function compile(source: string): RE2JS | string {
  try {
    return RE2JS.compile(source);
  } catch (err) {
    const e = err as Error & { getDescription?: () => string; getPattern?: () => string | null };
    const fragment = e.getPattern?.();
    const at = fragment ? source.indexOf(fragment) : -1;
    const where = fragment ? ` \`${fragment}\`${at >= 0 ? ` at character ${at + 1}` : ''}` : '';
    return `not a regular expression nixcheck can run: ${e.getDescription?.() ?? e.message}${where} (RE2 syntax: no lookaround or backreferences, so matching takes linear time)`;
  }
}
