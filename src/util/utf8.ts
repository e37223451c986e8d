import { isUtf8 } from 'node:buffer';
import { InputError } from './errors.js';

/** The text of a file that must be UTF-8: invalid bytes are an error, never replaced silently. */
export function decodeUtf8(bytes: Buffer, what: string, shownFile: string): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const offset = invalidUtf8Offset(bytes);
  const before = bytes.subarray(0, offset).toString('utf8');
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  throw new InputError(`${what} ${shownFile} is not UTF-8`, [
    {
      location: { file: shownFile, line, column },
      message: `byte 0x${bytes[offset]!.toString(16).padStart(2, '0')} (offset ${offset}) does not start a valid UTF-8 character: save the file as UTF-8`,
    },
  ]);
}

/** The offset of the first byte that does not begin a well-formed UTF-8 sequence. */
function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const extra = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (extra === 0) return i;
    let codePoint = lead & (0x3f >> extra);
    for (let k = 1; k <= extra; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    const shortest = [0, 0x80, 0x800, 0x10000][extra]!;
    if (codePoint < shortest || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += extra + 1;
  }
  return bytes.length;
}
