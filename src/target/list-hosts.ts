import type { ResolvedFlake } from '../nix/flake-ref.js';
import type { Evaluator } from '../nix/evaluator.js';
import { InfrastructureError } from '../util/errors.js';
import { flakeEvalTarget, hostsAttrPath } from './resolve-target.js';

/** The host names of a flake (`<hostsAttr>`, an attribute path), through the engine and its cache. */
export async function listHosts(flake: ResolvedFlake, hostsAttr: string, evaluator: Evaluator): Promise<string[]> {
  const { outcomes } = await evaluator.evaluate(
    flakeEvalTarget(flake, []),
    [{ variant: { config: null, priority: 100 }, root: 'attr', path: hostsAttrPath(hostsAttr), evidence: false, names: true }],
  );
  const outcome = outcomes[0]!;
  if (outcome.status === 'error') throw new InfrastructureError(`cannot list ${hostsAttr} of ${flake.ref}:\n${outcome.error}`);
  if (!outcome.exists || !Array.isArray(outcome.value)) throw new InfrastructureError(`${flake.ref} has no ${hostsAttr}`);
  return outcome.value as string[];
}
