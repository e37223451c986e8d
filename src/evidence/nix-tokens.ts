/**
 * A tolerant tokenizer for Nix source, enough to find attribute assignments: comments
 * are dropped, strings and paths are single tokens, and every token knows its line.
 */

export type TokenKind = 'id' | 'string' | 'number' | 'path' | 'interpolation' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  /** A string's value, when it has no interpolation (indented strings: never). */
  value?: string;
}

const PUNCT = ['...', '//', '++', '==', '!=', '<=', '>=', '&&', '||', '->', '{', '}', '[', ']', '(', ')', ';', '=', '.', ',', ':', '@', '?', '+', '-', '*', '/', '<', '>', '!'];
const PATH = /^(?:[A-Za-z0-9._+-]*(?:\/[A-Za-z0-9._+-]+)+\/?|~(?:\/[A-Za-z0-9._+-]+)+\/?|<[A-Za-z0-9._+-]+(?:\/[A-Za-z0-9._+-]+)*>)/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_'-]*/;
const NUMBER = /^(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const advance = (n: number) => {
    for (let k = 0; k < n; k++) if (source[i + k] === '\n') line++;
    i += n;
  };
  while (i < source.length) {
    const ch = source[i]!;
    const rest = source.slice(i, i + 400);
    if (ch === '\n' || ch === ' ' || ch === '\t' || ch === '\r') {
      advance(1);
    } else if (ch === '#') {
      i = endOfLine(source, i);
    } else if (rest.startsWith('/*')) {
      const end = source.indexOf('*/', i + 2);
      advance((end < 0 ? source.length : end + 2) - i);
    } else if (ch === '"') {
      const start = line;
      const { length, value } = scanString(source, i);
      tokens.push({ kind: 'string', text: source.slice(i, i + length), line: start, value });
      advance(length);
    } else if (rest.startsWith("''")) {
      const start = line;
      const length = scanIndentedString(source, i);
      tokens.push({ kind: 'string', text: source.slice(i, i + length), line: start });
      advance(length);
    } else if (rest.startsWith('${')) {
      const start = line;
      const length = 2 + skipBalanced(source, i + 2);
      tokens.push({ kind: 'interpolation', text: source.slice(i, i + length), line: start });
      advance(length);
    } else {
      const path = PATH.exec(rest);
      const ident = IDENT.exec(rest);
      const number = NUMBER.exec(rest);
      // A path needs a `/`, which no identifier has: where one starts, it is the longer token.
      if (path) {
        tokens.push({ kind: 'path', text: path[0], line });
        advance(path[0].length);
      } else if (ident) {
        tokens.push({ kind: 'id', text: ident[0], line });
        advance(ident[0].length);
      } else if (number) {
        tokens.push({ kind: 'number', text: number[0], line });
        advance(number[0].length);
      } else {
        const punct = PUNCT.find((p) => rest.startsWith(p)) ?? ch;
        tokens.push({ kind: 'punct', text: punct, line });
        advance(punct.length);
      }
    }
  }
  return tokens;
}

/** Length of a "..." string at `start`, and its value when it has no interpolation. */
function scanString(source: string, start: number): { length: number; value?: string } {
  let i = start + 1;
  let value = '';
  let interpolated = false;
  while (i < source.length && source[i] !== '"') {
    if (source[i] === '\\' && i + 1 < source.length) {
      const next = source[i + 1]!;
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
      i += 2;
    } else if (source.startsWith('${', i)) {
      interpolated = true;
      i += 2 + skipBalanced(source, i + 2);
    } else {
      value += source[i];
      i++;
    }
  }
  return { length: Math.min(i + 1, source.length) - start, ...(interpolated ? {} : { value }) };
}

function scanIndentedString(source: string, start: number): number {
  let i = start + 2;
  while (i < source.length) {
    if (source.startsWith("'''", i) || source.startsWith("''$", i) || source.startsWith("''\\", i)) i += 3;
    else if (source.startsWith("''", i)) return i + 2 - start;
    else if (source.startsWith('${', i)) i += 2 + skipBalanced(source, i + 2);
    else i++;
  }
  // Stryker disable next-line ArithmeticOperator: unterminated, it runs to the source's end, where every caller cuts a longer length
  return source.length - start;
}

/** Characters up to and including the `}` that closes an interpolation starting at `start`. */
function skipBalanced(source: string, start: number): number {
  let depth = 1;
  let i = start;
  while (
    i < source.length &&
    depth > 0
  ) {
    const ch = source[i]!;
    if (ch === '"') i += scanString(source, i).length;
    else if (source.startsWith("''", i)) i += scanIndentedString(source, i);
    else if (ch === '#') i = endOfLine(source, i);
    else {
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
      i++;
    }
  }
  return i - start;
}

/** Index of the newline that ends the line `i` is on; the source's length on its last line. */
function endOfLine(source: string, i: number): number {
  const newline = source.indexOf('\n', i);
  return newline === -1 ? source.length : newline;
}
