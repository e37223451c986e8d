/** A value as JSON for messages and reports, cut at `max` characters. */
export function formatValue(value: unknown, max = 200): string {
  const text = JSON.stringify(value);
  if (text === undefined) return 'nothing';
  return cutText(text, max);
}

/** Text for messages and reports, cut at `max` characters (a 5 MB expected value is not printed whole). */
export function cutText(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
