/**
 * GitHub Actions reads every line a step prints, on stdout and stderr, and runs the ones
 * that start with `::` (after leading whitespace) as workflow commands. nixcheck prints
 * user text (case names, control titles, Nix error messages) that may contain a newline
 * followed by `::error ...`. So, inside GitHub Actions, all of nixcheck's output goes
 * through a guard: a block of lines in which any line could be read as a command is
 * wrapped in `::stop-commands::<random token>` ... `::<token>::`, which GitHub documents
 * for exactly this; nixcheck's own annotations are written through `command()`, outside
 * any such block, with their data escaped.
 */
import { randomBytes } from 'node:crypto';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  file?: string;
  line?: number;
  col?: number;
  title?: string;
  message: string;
}

/** Escaping of a workflow command's message (data). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escaping of a workflow command's property values: also `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::error file=F,line=L,col=C,title=T::message` */
export function formatAnnotation(a: Annotation): string {
  const props: string[] = [];
  if (a.file !== undefined) props.push(`file=${escapeProperty(a.file.split('\\').join('/'))}`);
  if (a.line !== undefined) props.push(`line=${a.line}`);
  if (a.col !== undefined) props.push(`col=${a.col}`);
  if (a.title !== undefined) props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level}${props.length ? ` ${props.join(',')}` : ''}::${escapeData(a.message)}`;
}

/**
 * A line the runner could take for a command. It trims leading whitespace (.NET's idea of
 * it, which includes U+0085) and splits lines at LF; CR is treated as a break too, to be safe.
 */
const COMMAND_LIKE = /(^|[\r\n])[\s\u0085]*::/;

export interface GuardedOutput {
  /** Any text; lines that could be commands never reach the runner as commands. */
  write(text: string): void;
  /** nixcheck's own workflow command lines (already escaped). */
  command(lines: string): void;
  /** Write what is held back (an unfinished last line). */
  flush(): void;
}

/**
 * Complete lines pass at once; an unfinished last line is held until its end arrives
 * (or flush), since a command could start in one write and continue in the next.
 */
export function guardWorkflowCommands(rawWrite: (text: string) => void, token: () => string = randomToken): GuardedOutput {
  let pending = '';
  const emit = (text: string) => {
    if (!COMMAND_LIKE.test(text)) return rawWrite(text);
    const t = token();
    rawWrite(`::stop-commands::${t}\n${text}${text.endsWith('\n') ? '' : '\n'}::${t}::\n`);
  };
  const flush = () => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    emit(text);
  };
  return {
    write(text) {
      const all = pending + text;
      const end = all.lastIndexOf('\n') + 1;
      pending = all.slice(end);
      if (end > 0) emit(all.slice(0, end));
    },
    command(lines) {
      if (pending !== '') {
        pending += '\n';
        flush();
      }
      rawWrite(lines.endsWith('\n') ? lines : `${lines}\n`);
    },
    flush,
  };
}

function randomToken(): string {
  return `nixcheck-${randomBytes(16).toString('hex')}`;
}

let commands: ((lines: string) => void) | undefined;

/**
 * Guard this process's stdout and stderr when running inside GitHub Actions (the CLI does,
 * once). Every write of every module passes the guard; `writeWorkflowCommands` is the one
 * way around it.
 */
export function guardProcessOutput(env: NodeJS.ProcessEnv = process.env): void {
  if (env.GITHUB_ACTIONS !== 'true' || commands) return;
  const guards = [process.stdout, process.stderr].map((stream) => {
    const raw = stream.write.bind(stream) as (text: string) => boolean;
    const guard = guardWorkflowCommands((text) => void raw(text));
    stream.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
      guard.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    }) as typeof stream.write;
    return guard;
  });
  process.on('exit', () => guards.forEach((g) => g.flush()));
  commands = (lines) => guards[0]!.command(lines);
}

/** nixcheck's own workflow commands on stdout (through the guard's door, when installed). */
export function writeWorkflowCommands(lines: string): void {
  if (commands) commands(lines);
  else process.stdout.write(lines.endsWith('\n') ? lines : `${lines}\n`);
}
