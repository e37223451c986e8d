import { describe, expect, it } from 'vitest';
import { tokenize, type Token } from '../../src/evidence/nix-tokens.js';

/** `kind text` (and `=value` for strings with a value), one per token. */
const show = (t: Token) => `${t.kind} ${t.text}${t.value !== undefined ? ` =${JSON.stringify(t.value)}` : ''}`;
const tokens = (source: string) => tokenize(source).map(show);
const lines = (source: string) => tokenize(source).map((t) => `${t.text}@${t.line}`);

describe('tokenize', () => {
  it('identifiers, with the characters Nix allows after the first', () => {
    expect(tokens("x'-y_z _a A9")).toEqual(["id x'-y_z", 'id _a', 'id A9']);
    expect(tokens('a.b')).toEqual(['id a', 'punct .', 'id b']);
  });

  it('strings with their value; escapes read as Nix reads them', () => {
    expect(tokens('"plain"')).toEqual(['string "plain" ="plain"']);
    expect(tokens('"a\\nb\\tc\\rd\\"e\\\\f\\$g\\qh"')).toEqual(['string "a\\nb\\tc\\rd\\"e\\\\f\\$g\\qh" ="a\\nb\\tc\\rd\\"e\\\\f$gqh"']);
    expect(tokens('""')).toEqual(['string "" =""']);
  });

  it('a string with an interpolation has no value, and ends at its own quote', () => {
    expect(tokens('"a${ "}" + x }b" c')).toEqual(['string "a${ "}" + x }b"', 'id c']);
    expect(tokens('"${x}"')).toEqual(['string "${x}"']);
  });

  it('indented strings are one token without value, with their escapes', () => {
    expect(tokens("''a'''b''$c''\\d${ x }'' z")).toEqual(["string ''a'''b''$c''\\d${ x }''", 'id z']);
    expect(tokens("'''' y")).toEqual(["string ''''", 'id y']);
    expect(tokens(`'' a \${ "''" } b'' x`)).toEqual([`string '' a \${ "''" } b''`, 'id x']);
  });

  it('an interpolation outside strings is one token, through nested braces, strings and comments', () => {
    expect(tokens('${ a { } "}" \'\'}\'\' # }\n } x')).toEqual(['interpolation ${ a { } "}" \'\'}\'\' # }\n }', 'id x']);
  });

  it('paths: relative, home, search path, absolute, with a trailing slash; longest match as in Nix', () => {
    expect(tokens('./a/b ~/c <nixpkgs/lib> <n> a/b/ /abs ../up a.b/c 1/2')).toEqual([
      'path ./a/b',
      'path ~/c',
      'path <nixpkgs/lib>',
      'path <n>',
      'path a/b/',
      'path /abs',
      'path ../up',
      'path a.b/c',
      'path 1/2',
    ]);
    expect(tokens('~/config/nix.conf <nixpkgs/nixos/lib> ab/cd/ef')).toEqual(['path ~/config/nix.conf', 'path <nixpkgs/nixos/lib>', 'path ab/cd/ef']);
    expect(tokens('a / b')).toEqual(['id a', 'punct /', 'id b']);
    expect(tokens('a < b')).toEqual(['id a', 'punct <', 'id b']);
  });

  it('numbers: integers, decimals, exponents', () => {
    expect(tokens('1 1.5 .5 1e3 1.e-3 2E+4 007')).toEqual(['number 1', 'number 1.5', 'number .5', 'number 1e3', 'number 1.e-3', 'number 2E+4', 'number 007']);
    expect(tokens('12.5 .25 1e10 12.50e-10')).toEqual(['number 12.5', 'number .25', 'number 1e10', 'number 12.50e-10']);
  });

  it('operators and punctuation, the longest first', () => {
    expect(tokens('... // ++ == != <= >= && || -> { } [ ] ( ) ; = . , : @ ? + - * < > ! $')).toEqual(
      ['...', '//', '++', '==', '!=', '<=', '>=', '&&', '||', '->', '{', '}', '[', ']', '(', ')', ';', '=', '.', ',', ':', '@', '?', '+', '-', '*', '<', '>', '!', '$'].map((p) => `punct ${p}`),
    );
    expect(tokens('a==b')).toEqual(['id a', 'punct ==', 'id b']);
  });

  it('drops comments and whitespace', () => {
    expect(tokens('a # b = 1;\n/* c = 2; */ d\r\n\te')).toEqual(['id a', 'id d', 'id e']);
    expect(tokens('/* open')).toEqual([]);
    // `/*/` opens a comment; its `*/` is not the end.
    expect(tokens('a /*/ b */ c')).toEqual(['id a', 'id c']);
    expect(tokens('# only')).toEqual([]);
    expect(lines('#\nx')).toEqual(['x@2']);
  });

  it('gives every token the line it starts on', () => {
    expect(lines('a\nb /* x\ny */ c # z\nd "s\nt" e \'\'\nu\'\' f ${\n} g')).toEqual(['a@1', 'b@2', 'c@3', 'd@4', '"s\nt"@4', 'e@5', "''\nu''@5", 'f@6', '${\n}@6', 'g@7']);
  });

  it('an unterminated string or interpolation runs to the end of the file', () => {
    expect(tokens('"open')).toEqual(['string "open ="open"']);
    expect(tokens("''open")).toEqual(["string ''open"]);
    expect(tokens('${ open')).toEqual(['interpolation ${ open']);
    expect(tokens('${ a # comment')).toEqual(['interpolation ${ a # comment']);
    // A backslash that ends the file escapes nothing.
    expect(tokens('"a\\')).toEqual(['string "a\\ ="a\\\\"']);
  });
});
