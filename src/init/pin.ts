/**
 * Which nixcheck the workflow `nixcheck init` writes may run. CI must never run a package
 * looked up by name (whoever registers that name would run code in the user's CI), so the
 * workflow runs only a pinned nixcheck:
 * - `flake`: a flake reference naming a commit (`github:OWNER/nixcheck/<40-hex rev>`, or
 *   any reference with `?rev=<40-hex>`), given with `--nixcheck-flake`;
 * - `npm`: the user's own package.json asks for nixcheck at an exact version, a git URL
 *   at a tag or commit, or a tarball; package-lock.json pins it and `npm ci` installs it;
 * - `flake-input`: the user's flake.lock pins an input named `nixcheck`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';

export type NixcheckPin =
  | { kind: 'flake'; ref: string }
  | { kind: 'npm'; spec: string }
  | { kind: 'flake-input'; rev: string | null };

const REV = '[0-9a-f]{40}';

/** A flake reference that names one commit (so `nix run` always gets the same nixcheck). */
export function isPinnedFlakeRef(ref: string): boolean {
  return new RegExp(`[?&]rev=${REV}(&|$)`).test(ref) || new RegExp(`^(github|gitlab|sourcehut):[^/?#]+/[^/?#]+/${REV}(\\?|$)`).test(ref);
}

/** An npm dependency spec that always installs the same nixcheck. */
export function isPinnedNpmSpec(spec: string): boolean {
  if (/^=?v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(spec)) return true;
  if (/^(file:|\.{0,2}\/).*\.(tgz|tar\.gz)$/.test(spec)) return true;
  // A git URL (or github:owner/repo) at a tag or commit; `#semver:` ranges move.
  const gitLike = /^(git\+|git:|github:|gitlab:|bitbucket:|https?:\/\/.*\.git#|[^/:@\s]+\/[^/:@\s]+#)/.test(spec);
  const committish = /#([^#]+)$/.exec(spec)?.[1];
  return gitLike && committish !== undefined && !committish.startsWith('semver:');
}

export async function findPin(dir: string, flakeRef?: string): Promise<NixcheckPin | undefined> {
  if (flakeRef !== undefined) {
    if (flakeRef.includes('#')) throw new InputError(`--nixcheck-flake takes a flake reference without an attribute (nixcheck adds #nixcheck), got ${JSON.stringify(flakeRef)}`);
    if (!isPinnedFlakeRef(flakeRef)) {
      throw new InputError(`--nixcheck-flake ${JSON.stringify(flakeRef)} names no commit: give one, e.g. github:OWNER/nixcheck/<40-hex rev> or git+https://HOST/nixcheck.git?rev=<40-hex rev>`);
    }
    return { kind: 'flake', ref: flakeRef };
  }
  const pkg = await readJson(join(dir, 'package.json'));
  const spec = field(pkg, 'devDependencies', 'nixcheck') ?? field(pkg, 'dependencies', 'nixcheck');
  if (typeof spec === 'string') {
    if (!isPinnedNpmSpec(spec)) {
      throw new InputError(`package.json asks for nixcheck ${JSON.stringify(spec)}, which can change under you: pin an exact version, a git tag or commit (<git URL>#v1.2.3) or a tarball`);
    }
    return { kind: 'npm', spec };
  }
  const lock = await readJson(join(dir, 'flake.lock'));
  const node = field(lock, 'nodes', 'root', 'inputs', 'nixcheck');
  if (typeof node === 'string') {
    const rev = field(lock, 'nodes', node, 'locked', 'rev');
    return { kind: 'flake-input', rev: typeof rev === 'string' ? rev : null };
  }
  return undefined;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function field(value: unknown, ...path: string[]): unknown {
  let node = value;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}
