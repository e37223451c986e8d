/**
 * Attribute paths as users write them: `boot.kernel.sysctl."kernel.kptr_restrict"`.
 * Segments are split on dots; a segment in double quotes may contain dots and `\"`.
 */
export type AttrPath = readonly string[];

export class AttrPathError extends Error {}

export function parseAttrPath(text: string): string[] {
  const segments: string[] = [];
  let i = 0;
  if (text.trim() === '') throw new AttrPathError('empty attribute path');
  while (i < text.length) {
    let segment = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const ch = text[i];
        if (ch === '\\' && i + 1 < text.length) {
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
    segments.push(segment);
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
    .map((s) => (BARE_SEGMENT.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`))
    .join('.');
}
