import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { globToRegExp } from '../util/glob.js';
import { displayPath } from '../util/yaml-source.js';
import { chooseDefinitionLine, type DefinitionQuery, type LineAnswer } from './definition-line.js';
import { findAssignments, type Assignment } from './nix-assignments.js';

const STORE_PATH = /^\/nix\/store\/[0-9a-z]{32}-[^/]+(\/.*)?$/;

/**
 * Maps files Nix reports (usually copies in the store) back to the user's checkout, and
 * finds the line that defines a value: the module system gives definitions a file but
 * never a line.
 */
export class SourceLocator {
  private readonly assignments = new Map<string, Promise<Assignment[] | undefined>>();

  private readonly upstream: RegExp[];

  /**
   * `roots`: local directories whose store copies may appear (the flake, its git top level).
   * `upstreamGlobs` (absolute): local files that are not the user's own modules (vendored
   * copies of upstream modules).
   */
  constructor(
    private readonly roots: readonly string[],
    upstreamGlobs: readonly string[] = [],
  ) {
    this.upstream = upstreamGlobs.map((g) => globToRegExp(resolve(g)));
  }

  /** Whether a local file is one of the configured upstream files. */
  isUpstream(localFile: string): boolean {
    const file = resolve(localFile);
    return this.upstream.some((re) => re.test(file));
  }

  toLocal(file: string): string | undefined {
    const store = STORE_PATH.exec(file);
    if (!store) return existsSync(file) ? file : undefined;
    const rest = store[1] ?? '';
    for (const root of this.roots) {
      const candidate = join(root, rest);
      if (existsSync(candidate)) return candidate;
    }
    return undefined;
  }

  /** Path relative to the working directory, for reports. */
  display(file: string): string {
    return displayPath(file);
  }

  /**
   * The line of a definition in `file`: among the file's assignments to the path, the
   * ones whose priority and value agree with the definition; candidates when several
   * conditional branches remain.
   */
  async locateDefinition(file: string, query: DefinitionQuery): Promise<LineAnswer> {
    const assignments = await this.readAssignments(file);
    return assignments ? chooseDefinitionLine(assignments, query) : {};
  }

  /** The line that defines `path` in `file`, when one can be told apart (priority and value unknown). */
  async findDefinitionLine(file: string, path: readonly string[]): Promise<number | undefined> {
    const answer = await this.locateDefinition(file, { path });
    return 'line' in answer ? answer.line : undefined;
  }

  private readAssignments(file: string): Promise<Assignment[] | undefined> {
    let cached = this.assignments.get(file);
    if (!cached) {
      // Read at once: a run asks for a few hundred small files, each a handful of system
      // calls, which an asynchronous read turns into as many trips through the thread pool.
      cached = (async () => {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          return undefined;
        }
        return findAssignments(text);
      })();
      this.assignments.set(file, cached);
    }
    return cached;
  }
}
