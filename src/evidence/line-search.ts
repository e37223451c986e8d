/**
 * Finding the line of an attribute in a Nix file by a regular expression: older module
 * systems give declarations no line (src/coverage). Definitions have their own, stricter
 * search: nix-assignments.ts and definition-line.ts.
 */

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `name =` or `"name" =` for the last segment of a path. */
export function attributeName(segment: string): string {
  return `(?:"${escapeRegExp(segment)}"|${escapeRegExp(segment)})`;
}

/**
 * The first of the lines `accept` takes, preferring those that also spell out more of
 * the path before the attribute (`settings.PermitRootLogin =` over `PermitRootLogin =`).
 * Comment lines never count.
 */
export function bestLine(lines: readonly string[], path: readonly string[], accept: (text: string, index: number) => boolean): number | undefined {
  const last = path[path.length - 1];
  if (last === undefined) return undefined;
  const assignment = new RegExp(`${attributeName(last)}\\s*=`);
  let best: { line: number; score: number } | undefined;
  lines.forEach((text, i) => {
    if (/^\s*#/.test(text) || !accept(text, i)) return;
    const before = text.slice(0, Math.max(0, text.search(assignment)));
    let score = 1;
    for (let k = path.length - 2; k >= 0; k--) {
      if (!before.includes(path[k]!)) break;
      score++;
    }
    if (!best || score > best.score) best = { line: i + 1, score };
  });
  return best?.line;
}
