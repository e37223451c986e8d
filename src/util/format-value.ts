/** A value as JSON for messages and reports, cut at `max` characters. */
export function formatValue(value: unknown, max = 200): string {
  const text = JSON.stringify(value);
  if (text === undefined) return 'nothing';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
