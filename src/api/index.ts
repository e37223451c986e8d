/**
 * nixcheck from vitest: declare option handles at module scope, await them in tests.
 *
 *   const laptop = nixosHost('laptop', { flake: '.' });
 *   const fw = laptop.option('networking.firewall.enable');
 *   it('firewall on', async () => expect(await fw.value()).toBe(true));
 *
 * Every handle of one host is evaluated in ONE batched Nix evaluation: the first await of
 * any handle evaluates every handle registered for that host so far (handles made later
 * form the next batch). Evaluation goes through the same engine and content-addressed
 * cache as `nixcheck test`.
 */
import { resolveEvidence } from '../evidence/evidence.js';
import { SourceLocator } from '../evidence/source-locator.js';
import { defaultCacheDir } from '../nix/eval-cache.js';
import { Evaluator } from '../nix/evaluator.js';
import { resolveFlake, type ResolvedFlake } from '../nix/flake-ref.js';
import { PRIORITY, type EvalItem, type ItemOutcome } from '../nix/request.js';
import { gitTopLevel } from '../nix/source-hash.js';
import type { Evidence } from '../result/model.js';
import { durationProblem, MAX_DURATION_S } from '../util/duration.js';
import { InputError } from '../util/errors.js';
import { formatAttrPath, parseAttrPath, parsePath } from '../suite/attr-path.js';
import { expandWith } from '../suite/load-suite.js';
import { resolveTarget, type ResolvedTarget } from '../target/resolve-target.js';
import { NIXCHECK_HANDLE, isOptionHandle as isBranded } from './brand.js';

export type { Evidence, DefinitionSite, SourceSite } from '../result/model.js';

export interface HostOptions {
  /** Flake directory or reference. Default: the working directory (`.`). */
  flake?: string;
  /** Directory a relative `flake` resolves against. Default: the working directory. */
  baseDir?: string;
  /** Default: nixosConfigurations. */
  hostsAttr?: string;
  /** Per batch of the host's values, in milliseconds. Default: 300 000. */
  timeoutMs?: number;
  /** Evaluation cache; null disables it. Default: $XDG_CACHE_HOME/nixcheck, as the CLI. */
  cacheDir?: string | null;
  /** Globs of local module files that are not your own (as `upstream` in nixcheck.yaml). */
  upstream?: string[];
}

export type WithPriority = 'normal' | 'force' | 'default';

/** What one handle evaluated to. */
export type OptionResult =
  | { ok: true; exists: boolean; value: unknown; type: string | null; evidence?: Evidence; cached: boolean }
  | { ok: false; error: string; reason: 'throw' | 'fatal' | 'timeout' | 'target'; cached: boolean };

export interface HostStats {
  host: string;
  flake: string;
  /** evaluator.evaluate calls (batches) for this host. */
  evaluations: number;
  /** Nix processes started for this host (0 when answered from the cache). */
  processes: number;
  /** Values requested so far. */
  items: number;
}


export class OptionHandle {
  readonly [NIXCHECK_HANDLE] = true;
  /** @internal */ batch?: Promise<void>;
  /** @internal */ answer?: OptionResult;

  /** @internal */
  constructor(
    private readonly group: HostGroup,
    readonly item: EvalItem,
    /** `laptop`, `laptop with {...}`: for messages. */
    readonly label: string,
    /** The path as written. */
    readonly path: string,
  ) {}

  /** The full outcome (never throws for a Nix error; rejects on infrastructure failures). */
  async result(): Promise<OptionResult> {
    if (this.answer) return this.answer;
    await (this.batch ?? this.group.flush());
    return this.answer!;
  }

  /** The evaluated value (JSON); undefined when the path does not exist. Throws when evaluation failed. */
  async value(): Promise<unknown> {
    const r = await this.result();
    if (!r.ok) throw new Error(`${this.label}: evaluating ${this.path} failed (${r.reason}):\n${r.error}`);
    return r.exists ? r.value : undefined;
  }

  async exists(): Promise<boolean> {
    const r = await this.result();
    if (!r.ok) throw new Error(`${this.label}: evaluating ${this.path} failed (${r.reason}):\n${r.error}`);
    return r.exists;
  }

  /** Where the value was defined and at which priority (config paths only). */
  async evidence(): Promise<Evidence | undefined> {
    const r = await this.result();
    if (!r.ok) throw new Error(`${this.label}: evaluating ${this.path} failed (${r.reason}):\n${r.error}`);
    return r.evidence;
  }

  /** The Nix error text; throws when the path evaluated without error. */
  async error(): Promise<string> {
    const r = await this.result();
    if (r.ok) {
      throw new Error(`${this.label}: expected evaluating ${this.path} to fail, but it ${r.exists ? `evaluated to ${JSON.stringify(r.value)?.slice(0, 200)}` : 'does not exist'}`);
    }
    return r.error;
  }
}

export function isOptionHandle(value: unknown): value is OptionHandle {
  return isBranded<OptionHandle>(value);
}

/** All handles of one host of one flake, and their batches. */
class HostGroup {
  private readonly handles = new Map<string, OptionHandle>();
  private pending: OptionHandle[] = [];
  private locator?: Promise<SourceLocator>;
  readonly stats: HostStats;

  constructor(
    readonly host: string,
    private readonly flake: ResolvedFlake,
    private readonly target: ResolvedTarget,
    private readonly evaluator: Evaluator,
    private readonly upstream: string[],
  ) {
    this.stats = { host, flake: flake.ref, evaluations: 0, processes: 0, items: 0 };
  }

  handle(item: EvalItem, label: string, path: string): OptionHandle {
    const key = JSON.stringify(item);
    let h = this.handles.get(key);
    if (!h) {
      h = new OptionHandle(this, item, label, path);
      this.handles.set(key, h);
      this.pending.push(h);
      this.stats.items++;
    }
    return h;
  }

  /** Evaluate every handle not yet in a batch, in one evaluation. */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const promise = this.run(batch);
    for (const h of batch) h.batch = promise;
    return promise;
  }

  private async run(batch: OptionHandle[]): Promise<void> {
    if (batch.length === 0) return;
    this.stats.evaluations++;
    const evaluation = await this.evaluator.evaluate(this.target.evalTarget, batch.map((h) => h.item));
    this.stats.processes += evaluation.processes;
    this.locator ??= this.makeLocator();
    const locator = await this.locator;
    await Promise.all(
      batch.map(async (h, i) => {
        const outcome: ItemOutcome = evaluation.outcomes[i]!;
        const cached = evaluation.fromCache[i]!;
        if (outcome.status === 'error') {
          h.answer = { ok: false, error: outcome.error, reason: outcome.reason, cached };
          return;
        }
        const evidence = outcome.exists && outcome.evidence ? await resolveEvidence(outcome.evidence, locator) : undefined;
        h.answer = { ok: true, exists: outcome.exists, value: outcome.value, type: outcome.type, ...(evidence ? { evidence } : {}), cached };
      }),
    );
  }

  private async makeLocator(): Promise<SourceLocator> {
    const dir = this.flake.localDir;
    const roots = dir ? [dir, (gitTopLevel(dir)) ?? dir] : [];
    return new SourceLocator(roots, this.upstream);
  }
}

const evaluators = new Map<string, Evaluator>();
const groups = new Map<string, HostGroup>();

function evaluatorFor(timeoutMs: number, cacheDir: string | null): Evaluator {
  const key = JSON.stringify([timeoutMs, cacheDir]);
  let e = evaluators.get(key);
  if (!e) {
    e = new Evaluator({ timeoutMs, cacheDir });
    evaluators.set(key, e);
  }
  return e;
}

export class NixosHost {
  /** @internal */
  constructor(
    private readonly group: HostGroup,
    readonly name: string,
    /** `with` definitions as written (attribute-path keys), merged over earlier `with`s. */
    private readonly flatWith: Record<string, unknown> | null = null,
    private readonly priority: WithPriority = 'normal',
  ) {}

  private variant(): EvalItem['variant'] {
    return { config: this.flatWith ? expandWith(this.flatWith) : null, priority: PRIORITY[this.priority] };
  }

  /** A config path: `networking.firewall.enable`, `boot.kernel.sysctl."kernel.kptr_restrict"`. */
  option(path: string): OptionHandle {
    return this.group.handle(
      { variant: this.variant(), root: 'config', path: parsePath(path), evidence: true },
      this.label(),
      path,
    );
  }

  /** A raw attribute of the host's result: `options.services.openssh.enable.isDefined`. */
  attr(path: string): OptionHandle {
    return this.group.handle(
      { variant: this.variant(), root: 'attr', path: parsePath(path), evidence: false },
      this.label(),
      path,
    );
  }

  /**
   * The same host with extra definitions (as data, keys are attribute paths) applied
   * through extendModules, like a suite's `with:`. Its handles share the host's batch.
   */
  with(config: Record<string, unknown>, priority: WithPriority = this.priority): NixosHost {
    const merged = { ...(this.flatWith ?? {}), ...config };
    expandWith(merged); // throws now, at declaration, for conflicting keys
    return new NixosHost(this.group, this.name, merged, priority);
  }

  /** Evaluations and Nix processes so far for this host. */
  stats(): HostStats {
    return { ...this.group.stats };
  }

  private label(): string {
    if (!this.flatWith) return this.name;
    return `${this.name} with ${JSON.stringify(this.flatWith)}${this.priority === 'normal' ? '' : ` (${this.priority})`}`;
  }
}

/**
 * A host (`<hostsAttr>.<name>`) of a flake. Hosts with the same name, flake and settings
 * share their handles and batches across a test file.
 */
export function nixosHost(name: string, options: HostOptions = {}): NixosHost {
  const flake = resolveFlake(options.flake ?? '.', options.baseDir ?? process.cwd());
  const hostsAttr = options.hostsAttr ?? 'nixosConfigurations';
  const timeoutMs = options.timeoutMs ?? 300_000;
  if (durationProblem(timeoutMs / 1000)) {
    throw new InputError(`nixosHost(${JSON.stringify(name)}): timeoutMs must be above 0 and at most ${MAX_DURATION_S * 1000} (one day), got ${timeoutMs}`);
  }
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  const upstream = options.upstream ?? [];
  const key = JSON.stringify([flake.ref, hostsAttr, name, timeoutMs, cacheDir, upstream]);
  let group = groups.get(key);
  if (!group) {
    const target = resolveTarget({ host: name }, { flake, hostsAttr });
    group = new HostGroup(name, flake, target, evaluatorFor(timeoutMs, cacheDir), upstream);
    groups.set(key, group);
  }
  return new NixosHost(group, name);
}

/** Per host: batched evaluations and Nix processes so far (in this test file's module graph). */
export function stats(): HostStats[] {
  return [...groups.values()].map((g) => ({ ...g.stats }));
}

/** `networking.firewall.enable` from `['networking', 'firewall', 'enable']`. */
export { formatAttrPath, parseAttrPath, parsePath };
export { nixcheckMatchers } from './matchers.js';
