import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * Generated parts of Markdown documents live between
 * `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->`.
 */
export function replaceSection(document: string, name: string, content: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const start = document.indexOf(begin);
  const stop = document.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`no generated section "${name}" in the document`);
  return `${document.slice(0, start + begin.length)}\n${content}\n${document.slice(stop)}`;
}

export function extractSection(document: string, name: string): string | undefined {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const start = document.indexOf(begin);
  const stop = document.indexOf(end);
  if (start < 0 || stop < start) return undefined;
  return document.slice(start + begin.length, stop).trim();
}

export async function updateSections(file: string, sections: Record<string, string>): Promise<boolean> {
  const before = await readFile(file, 'utf8');
  let after = before;
  for (const [name, content] of Object.entries(sections)) after = replaceSection(after, name, content);
  if (after !== before) await writeFileAtomic(file, after);
  return after !== before;
}
