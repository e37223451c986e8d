/**
 * What the Actions runner does with a step's output: each line, leading whitespace
 * trimmed, that starts with `::` is a command, unless commands are stopped by
 * `::stop-commands::<token>` (until `::<token>::`). Returns the commands it would run.
 */
export function runnerCommands(output: string): string[] {
  const commands: string[] = [];
  let stopToken: string | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/^[\s\u0085]+/, '');
    if (stopToken !== undefined) {
      if (line.trimEnd() === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    if (!line.startsWith('::')) continue;
    const m = /^::([^\s:]+)[^:]*::(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'stop-commands') stopToken = m[2]!.trimEnd();
    else commands.push(line);
  }
  return commands;
}

