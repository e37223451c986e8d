/**
 * Text from suites, controls, waivers and evaluated values inside Markdown that GitHub and
 * GitLab render as HTML (compliance.md, the step summary, SARIF help): it shows as the text
 * it is, never as HTML (`<img onerror=...>`, `<!--` hiding the rest), links, emphasis, or
 * a new table row or block. Every Markdown writer goes through these functions.
 */

/** CommonMark lets any ASCII punctuation be escaped; these start HTML, links, emphasis, code or a cell inline. */
const INLINE_SPECIAL = /[\\`*_~[\]<>&|#]/g;

/** Text inside a line (a list item, a heading, a sentence): newlines become spaces. */
export function mdText(text: string): string {
  return text.replace(INLINE_SPECIAL, '\\$&').replace(/\r\n|\r|\n/g, ' ');
}

/** Several lines of text (a paragraph), each escaped like mdText. */
export function mdLines(text: string): string {
  return text.split(/\r\n|\r|\n/).map(mdText).join('\n');
}

/** Text inside a table cell: as mdText, line breaks kept as <br>. */
export function mdCell(text: string): string {
  return text.replace(INLINE_SPECIAL, '\\$&').replace(/\r\n|\r|\n/g, '<br>');
}

/**
 * A code span: shown literally (no escapes apply inside), delimited by a run of backticks
 * longer than any inside it; in a table cell `|` still ends the cell, so it is escaped there.
 */
export function mdCode(text: string, where?: 'cell'): string {
  if (text === '') return '';
  const flat = text.replace(/\r\n|\r|\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  const body = where === 'cell' ? flat.replace(/\|/g, '\\|') : flat;
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A fenced code block whose fence no line of `text` can close. */
export function mdCodeBlock(text: string, language = ''): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}
