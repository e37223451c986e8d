import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { globToRegExp } from '../util/glob.js';
import { displayPath } from '../util/yaml-source.js';
import { attributeName, bestLine } from './line-search.js';

const STORE_PATH = /^\/nix\/store\/[0-9a-z]{32}-[^/]+(\/.*)?$/;

/**
 * Maps files Nix reports (usually copies in the store) back to the user's checkout, and
 * finds the line that defines a value: the module system gives definitions a file but
 * never a line.
 */
export class SourceLocator {
  private readonly lines = new Map<string, Promise<string[] | undefined>>();

  private readonly upstream: RegExp[];

  /**
   * `roots`: local directories whose store copies may appear (the flake, its git top level).
   * `upstreamGlobs` (absolute): local files that are not the user's own modules (vendored
   * copies of upstream modules); files that do not map back to the checkout (nixpkgs)
   * always are.
   */
  constructor(
    private readonly roots: readonly string[],
    upstreamGlobs: readonly string[] = [],
  ) {
    this.upstream = upstreamGlobs.map((g) => globToRegExp(resolve(g)));
  }

  isUpstream(localFile: string | undefined): boolean {
    if (!localFile) return true;
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
   * The line that most likely defines `path` in `file`: the last segment written as an
   * attribute name, preferring lines that also spell out more of the path before it.
   */
  async findDefinitionLine(file: string, path: readonly string[]): Promise<number | undefined> {
    const lines = await this.readLines(file);
    if (!lines || path.length === 0) return undefined;
    const key = new RegExp(`(^|[\\s.{;(])${attributeName(path[path.length - 1]!)}\\s*=`);
    // Declarations (`x = mkOption { ... }`) name the attribute too, but define nothing.
    return bestLine(lines, path, (text) => key.test(text) && !DECLARATION.test(text));
  }

  private readLines(file: string): Promise<string[] | undefined> {
    let cached = this.lines.get(file);
    if (!cached) {
      cached = readFile(file, 'utf8').then(
        (t) => t.split('\n'),
        () => undefined,
      );
      this.lines.set(file, cached);
    }
    return cached;
  }
}

const DECLARATION = /\b(mkOption|mkEnableOption|mkPackageOption|types\.)/;

