/**
 * What a Nix file can read that Nix does not report. Nix logs the files it evaluates and
 * the sources it copies, but not `builtins.readFile`, `readDir`, `pathExists`, `hashFile`
 * or `builtins.path`. Each of those needs a path, and a path value starts as a path
 * literal in some file (`./x`, `../x`, `x/y`, `/abs`, `~/x`, `<x>`): the literals a file
 * contains therefore bound what it can read through paths. What a scan cannot bound
 * (a path made from a string at run time, an environment variable with a computed name,
 * the clock, a fetcher) is listed as `untrackable`.
 *
 * The scanner follows Nix's lexer (src/libexpr/lexer.l) where it matters: strings,
 * indented strings, comments and interpolations are skipped or entered as Nix does, so
 * `"./x"` or `# ./x` are not paths and `"${./x}"` is; a path is the longest match, so
 * `a.b/c` and `1/2` are paths, as they are to Nix.
 */
export interface PathReferences {
  /** Path literals (`./x`, `../x`, `x/y`, `/abs`, `~/x`), up to their first interpolation. */
  paths: { text: string; interpolated: boolean }[];
  /** Search-path lookups: `<nixpkgs/lib>` gives `nixpkgs/lib`. */
  searchPaths: string[];
  /** Environment variables read by `builtins.getEnv "NAME"`. */
  envNames: string[];
  /** What the file may read that no literal names, with its line: the answer must not be cached. */
  untrackable: string[];
  /**
   * The text mentions `lastModified` (anywhere, strings and comments included): it may
   * read the newest modification time Nix gives a `path:` flake as `self.lastModified`.
   */
  mentionsLastModified: boolean;
}

/** Builtins whose result depends on something no path literal names. */
const UNTRACKABLE_BUILTINS = new Map([
  ['toPath', 'builtins.toPath makes a path from a string'],
  ['findFile', 'builtins.findFile looks up a computed search path'],
  ['currentTime', 'builtins.currentTime'],
  ['fetchGit', 'builtins.fetchGit'],
  ['fetchTree', 'builtins.fetchTree'],
  ['fetchTarball', 'builtins.fetchTarball'],
  ['fetchMercurial', 'builtins.fetchMercurial'],
  ['fetchClosure', 'builtins.fetchClosure'],
  ['getFlake', 'builtins.getFlake'],
]);
/** Only as `builtins.fetchurl`: a bare `fetchurl` is Nixpkgs' fixed-output fetcher, a derivation. */
const QUALIFIED_ONLY = new Map([['fetchurl', 'builtins.fetchurl']]);

/** [a-zA-Z0-9._+-]: Nix's PATH_CHAR. */
function isPathChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 45 || c === 43;
}
/** [a-zA-Z0-9_'-]: what follows an identifier's first character. */
function isIdChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 39 || c === 45;
}
const SLASH = 47;

type Frame = 'code' | 'string' | 'indString' | 'pathInterpolation';

export function scanPathReferences(source: string): PathReferences {
  const refs: PathReferences = { paths: [], searchPaths: [], envNames: [], untrackable: [], mentionsLastModified: source.includes('lastModified') };
  const stack: Frame[] = ['code'];
  const n = source.length;
  const at = (k: number) => source.charCodeAt(k);
  let i = 0;
  // The last two significant tokens, to see `builtins . name` and `getEnv "NAME"`.
  let previous = '';
  let beforePrevious = '';
  let getEnvAt: number | undefined;
  const untrackable = (what: string, pos: number) => refs.untrackable.push(`${what} (line ${source.slice(0, pos).split('\n').length})`);
  const significant = (token: string) => {
    if (getEnvAt !== undefined) {
      untrackable('builtins.getEnv with a computed name', getEnvAt);
      getEnvAt = undefined;
    }
    beforePrevious = previous;
    previous = token;
  };
  const pathChars = (k: number) => {
    while (k < n && isPathChar(at(k))) k++;
    return k;
  };
  /** A path literal from `start`, its segments scanned from `k` (at a `/`). */
  const path = (start: number, k: number) => {
    while (at(k) === SLASH && isPathChar(at(k + 1))) k = pathChars(k + 1);
    if (at(k) === SLASH) k++;
    const interpolated = source.startsWith('${', k);
    refs.paths.push({ text: source.slice(start, k), interpolated });
    significant('path');
    if (interpolated) {
      stack.push('pathInterpolation', 'code');
      k += 2;
    }
    return k;
  };

  while (i < n) {
    const frame = stack[stack.length - 1]!;
    if (frame === 'string' || frame === 'indString') {
      const end = frame === 'string' ? skipString(source, i) : skipIndString(source, i);
      i = end.index;
      if (end.interpolation) stack.push('code');
      else stack.pop();
      continue;
    }
    if (frame === 'pathInterpolation') {
      // Back in a path after `${...}`: more path text, perhaps another interpolation.
      while (i < n && (isPathChar(at(i)) || at(i) === SLASH)) i++;
      if (source.startsWith('${', i)) {
        stack.push('code');
        i += 2;
      } else stack.pop();
      continue;
    }

    const c = source[i]!;
    const code = at(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '#') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '/' && source[i + 1] === '/') {
      significant('//');
      i += 2;
    } else if (source.startsWith('${', i)) {
      significant('${');
      stack.push('code');
      i += 2;
    } else if (c === '{') {
      significant('{');
      stack.push('code');
      i++;
    } else if (c === '}') {
      significant('}');
      if (stack.length > 1) stack.pop();
      i++;
    } else if (c === '"') {
      const end = skipString(source, i + 1);
      if (getEnvAt !== undefined && !end.interpolation) {
        refs.envNames.push(unescapeString(source.slice(i + 1, end.index - 1)));
        getEnvAt = undefined;
      }
      significant('"');
      if (end.interpolation) stack.push('string', 'code');
      i = end.index;
    } else if (source.startsWith("''", i)) {
      significant("''");
      i += 2;
      // `''` followed by spaces and a newline: those belong to the opening.
      let k = i;
      while (at(k) === 32) k++;
      if (at(k) === 10) i = k + 1;
      stack.push('indString');
    } else if (c === '~' && at(i + 1) === SLASH && (isPathChar(at(i + 2)) || source.startsWith('${', i + 2))) {
      i = source.startsWith('${', i + 2) ? path(i, i + 2) : path(i, i + 1);
    } else if (c === '<' && isPathChar(at(i + 1))) {
      const end = searchPathEnd(source, i);
      if (end > 0) {
        refs.searchPaths.push(source.slice(i + 1, end - 1));
        significant('searchPath');
        i = end;
      } else {
        significant(c);
        i++;
      }
    } else if (isPathChar(code) || c === '/') {
      // PATH_CHAR* then `/` and a PATH_CHAR (a path) or `/${` (a path with an interpolation).
      const run = pathChars(i);
      if (at(run) === SLASH && (isPathChar(at(run + 1)) || source.startsWith('${', run + 1))) {
        i = source.startsWith('${', run + 1) ? path(i, run + 1) : path(i, run);
      } else if (at(run) === 58 && /^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(source.slice(i, run)) && isUriChar(at(run + 1))) {
        // A URI (`https://...`): a string to Nix.
        let k = run + 1;
        while (k < n && isUriChar(at(k))) k++;
        significant('uri');
        i = k;
      } else if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95) {
        let k = i + 1;
        while (k < n && isIdChar(at(k))) k++;
        i = identifier(source.slice(i, k), i);
      } else {
        significant(c);
        i++;
      }
    } else {
      significant(c);
      i++;
    }
  }
  if (getEnvAt !== undefined) untrackable('builtins.getEnv with a computed name', getEnvAt);
  return refs;

  function identifier(text: string, pos: number): number {
    // `builtins.x`, `__x`, or a bare `x` in scope through `with builtins` or `inherit (builtins)`.
    const name = text.startsWith('__') ? text.slice(2) : text;
    const qualified = name !== text || (previous === '.' && beforePrevious === 'builtins');
    significant(text);
    if (name === 'getEnv') getEnvAt = pos;
    else {
      const reason = UNTRACKABLE_BUILTINS.get(name) ?? (qualified ? QUALIFIED_ONLY.get(name) : undefined);
      if (reason) untrackable(reason, pos);
    }
    return pos + text.length;
  }
}

function isUriChar(c: number): boolean {
  // [a-zA-Z0-9%/?:@&=+$,\-_.!~*']
  return isPathChar(c) || '%/?:@&=$,!~*\''.includes(String.fromCharCode(c));
}

/** `<a/b>`: the index after `>`, or -1. */
function searchPathEnd(source: string, from: number): number {
  let k = from + 1;
  for (;;) {
    const start = k;
    while (k < source.length && isPathChar(source.charCodeAt(k))) k++;
    if (k === start) return -1;
    if (source[k] === '>') return k + 1;
    if (source[k] !== '/') return -1;
    k++;
  }
}

/** From just after an opening `"`: the index after the closing quote, or after a `${`. */
function skipString(source: string, from: number): { index: number; interpolation: boolean } {
  let i = from;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '"') return { index: i + 1, interpolation: false };
    if (c === '\\') i += 2;
    else if (c === '$') {
      const next = source[i + 1];
      if (next === '{') return { index: i + 2, interpolation: true };
      if (next === '"') i += 1;
      else if (next === '\\') i += 3;
      else i += 2;
    } else i++;
  }
  return { index: source.length, interpolation: false };
}

/** From inside an indented string: the index after its closing `''`, or after a `${`. */
function skipIndString(source: string, from: number): { index: number; interpolation: boolean } {
  let i = from;
  while (i < source.length) {
    if (source.startsWith("''", i)) {
      const next = source[i + 2];
      if (next === "'" || next === '$') i += 3;
      else if (next === '\\') i += 4;
      else return { index: i + 2, interpolation: false };
    } else if (source[i] === '$') {
      const next = source[i + 1];
      if (next === '{') return { index: i + 2, interpolation: true };
      i += next === "'" ? 1 : 2;
    } else i++;
  }
  return { index: source.length, interpolation: false };
}

function unescapeString(raw: string): string {
  return raw.replace(/\\(.)/gs, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c));
}
