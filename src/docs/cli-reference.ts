import { COMMANDS, mainHelp } from '../cli/main.js';
import { commandHelp } from '../cli/command.js';

/** The README's CLI reference, made from the commands' own flag tables. */
export function renderCliReference(): string {
  const blocks = [mainHelp(), ...COMMANDS.map(commandHelp)];
  return blocks.map((b) => '```text\n' + b + '\n```').join('\n\n');
}
