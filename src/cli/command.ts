import { parseArgs } from 'node:util';
import { InputError } from '../util/errors.js';

/** A command's flags as data: parseArgs options and the help text both come from here. */
export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  value?: string;
  description: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpec[];
  /** Returns the exit code. */
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

export function parseCommandArgs(command: Command, argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const f of command.flags) {
    options[f.name] = { type: f.type, ...(f.multiple ? { multiple: true } : {}), ...(f.short ? { short: f.short } : {}) };
  }
  options.help = { type: 'boolean', short: 'h' };
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
  } catch (err) {
    throw new InputError(`${(err as Error).message}\nRun \`nixcheck ${command.name} --help\` for the flags.`);
  }
}

export function commandHelp(command: Command): string {
  const width = Math.max(...command.flags.map((f) => flagLabel(f).length), 10);
  const lines = [`nixcheck ${command.name}: ${command.summary}`, '', `Usage: ${command.usage}`, '', 'Flags:'];
  for (const f of command.flags) lines.push(`  ${flagLabel(f).padEnd(width)}  ${f.description}`);
  lines.push(`  ${'-h, --help'.padEnd(width)}  Show this help.`);
  return lines.join('\n');
}

function flagLabel(f: FlagSpec): string {
  return `${f.short ? `-${f.short}, ` : ''}--${f.name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
}

/** Names (hosts, reporters, formats): comma-separated and repeated both work: `--host a,b --host c`. */
export function listFlag(value: unknown): string[] | undefined {
  return repeatedFlag(value)?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** Files, directories and globs: repeated only, since a comma may be part of a file name. */
export function pathsFlag(value: unknown): string[] | undefined {
  return repeatedFlag(value)?.filter(Boolean);
}

function repeatedFlag(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? (value as string[]) : [value as string];
}
