import { EXIT } from '../util/errors.js';
import { commandHelp, parseCommandArgs, type Command } from './command.js';
import { complyCommand } from './commands/comply.js';
import { coverageCommand } from './commands/coverage.js';
import { gpuCommand } from './commands/gpu.js';
import { initCommand } from './commands/init.js';
import { mergeReportsCommand } from './commands/merge-reports.js';
import { testCommand } from './commands/test.js';
import { chaosCommand, vmCommand } from './commands/vm.js';

export const COMMANDS: Command[] = [testCommand, complyCommand, coverageCommand, vmCommand, chaosCommand, gpuCommand, initCommand, mergeReportsCommand];

export function mainHelp(): string {
  return [
    'nixcheck: test and audit what NixOS configurations really evaluate to',
    '',
    'Usage: nixcheck <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(Math.max(...COMMANDS.map((x) => x.name.length)))}  ${c.summary}`),
    '',
    'Exit codes: 0 all passed, 1 assertions failed, 2 usage/config/suite error, 3 Nix or infrastructure failure.',
    'Run `nixcheck <command> --help` for its flags.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version') {
    const { VERSION } = await import('../run/test-run.js');
    process.stdout.write(`nixcheck ${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`nixcheck: unknown command "${name}"\n\n${mainHelp()}\n`);
    return EXIT.usage;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      process.stdout.write(commandHelp(command) + '\n');
      return EXIT.ok;
    }
    return await command.run(values, positionals);
  } catch (err) {
    const e = err as Error & { exitCode?: number };
    process.stderr.write(`nixcheck: ${e.message}\n`);
    return e.exitCode ?? EXIT.infrastructure;
  }
}
