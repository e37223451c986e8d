/**
 * Order of strings by UTF-16 code units, as `Array.prototype.sort` has it by default: the
 * same on every machine (no locale), for reports that must not change between runs.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
