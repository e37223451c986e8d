/**
 * Attribute paths as users write them: `boot.kernel.sysctl."kernel.kptr_restrict"`.
 * Segments are split on dots; a segment in double quotes may contain dots and `\"`.
 * In a value path (`files.0.source`) a bare number indexes a list; `"0"` stays an
 * attribute name.
 */
import type { PathSegment } from '../nix/request.js';

export type AttrPath = readonly PathSegment[];

export class AttrPathError extends Error {}

/** A path of attribute names only (`with:` keys, target attributes): `0` is the attribute "0". */
export function parseAttrPath(text: string): string[] {
  return parseSegments(text).map((s) => s.text);
}

/** A path to a value: a bare non-negative integer segment is a list index (on an attribute set, the attribute of that name). */
export function parsePath(text: string): PathSegment[] {
  return parseSegments(text).map((s) => (!s.quoted && /^(0|[1-9][0-9]*)$/.test(s.text) ? Number(s.text) : s.text));
}

function parseSegments(text: string): { text: string; quoted: boolean }[] {
  const segments: { text: string; quoted: boolean }[] = [];
  let i = 0;
  if (text.trim() === '') throw new AttrPathError('empty attribute path');
  while (i < text.length) {
    let segment = '';
    const quoted = text[i] === '"';
    if (quoted) {
      i++;
      let closed = false;
      while (i < text.length) {
        const ch = text[i];
        // A backslash at the very end leaves the quote open: an error either way.
        if (ch === '\\') {
          segment += text[i + 1];
          i += 2;
        } else if (ch === '"') {
          closed = true;
          i++;
          break;
        } else {
          segment += ch;
          i++;
        }
      }
      if (!closed) throw new AttrPathError(`unterminated quoted segment in ${JSON.stringify(text)}`);
    } else {
      while (i < text.length && text[i] !== '.') segment += text[i++];
      if (segment === '') throw new AttrPathError(`empty segment in ${JSON.stringify(text)}`);
    }
    segments.push({ text: segment, quoted });
    if (i < text.length) {
      if (text[i] !== '.') throw new AttrPathError(`expected "." after a quoted segment in ${JSON.stringify(text)}`);
      i++;
      if (i === text.length) throw new AttrPathError(`trailing "." in ${JSON.stringify(text)}`);
    }
  }
  return segments;
}

const BARE_SEGMENT = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

export function formatAttrPath(path: AttrPath): string {
  return path
    .map((s) => (typeof s === 'number' ? String(s) : BARE_SEGMENT.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`))
    .join('.');
}
