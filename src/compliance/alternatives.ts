/**
 * Checks that name alternatives: one setting under the names different nixpkgs releases
 * give it (`services.openssh.banner` up to 25.11, `services.openssh.settings.Banner` from
 * 26.05). The first alternative the evaluated system declares decides, and its result
 * says which one that was and why the earlier ones were passed over.
 */
import type { ItemOutcome } from '../nix/request.js';
import type { CheckResult } from './evaluate-controls.js';
import type { AlternativesCheck, PathCheck } from './types.js';

/**
 * What nixpkgs' mkRemovedOptionModule makes reading a removed option throw (lib/modules.nix):
 * the option is still declared, as a stub whose only purpose is this message.
 */
const REMOVED_OPTION = /The option `[^']*' can no longer be used since it's been removed\./;

/** Why this system does not offer an alternative, or undefined when it does. */
export function passedOverBecause(outcome: ItemOutcome): string | undefined {
  if (outcome.status === 'error') {
    if (outcome.reason !== 'throw') return undefined;
    const line = outcome.error.split('\n').find((l) => REMOVED_OPTION.test(l));
    return line === undefined ? undefined : `removed from this nixpkgs (${line.trim()})`;
  }
  if (!outcome.exists && outcome.declared === false) return 'no option is declared at this path';
  return undefined;
}

/**
 * The result of the first declared alternative, carrying the list of alternatives and why
 * the earlier ones were passed over; an error result when this system declares none.
 */
export async function resolveAlternatives(
  check: AlternativesCheck,
  outcomeOf: (alternative: PathCheck) => ItemOutcome,
  judge: (alternative: PathCheck) => Promise<CheckResult>,
): Promise<CheckResult> {
  const paths = check.alternatives.map((a) => a.path);
  const passedOver: { path: string; reason: string }[] = [];
  for (const alternative of check.alternatives) {
    const reason = passedOverBecause(outcomeOf(alternative));
    if (reason === undefined) return { ...(await judge(alternative)), alternatives: { paths, passedOver } };
    passedOver.push({ path: alternative.path, reason });
  }
  return {
    path: paths.join(' | '),
    location: check.location,
    status: 'error',
    exists: false,
    valueSource: 'unknown',
    reason: 'no such option',
    error: `none of the alternatives is declared in this configuration: ${passedOver.map((p) => `${p.path}: ${p.reason}`).join('; ')}`,
    alternatives: { paths, passedOver },
  };
}

/** "read from X, the first of X | Y this configuration declares (Y: why)" or undefined. */
export function describeAlternative(result: Pick<CheckResult, 'path' | 'alternatives'>): string | undefined {
  const alt = result.alternatives;
  if (!alt || alt.passedOver.length === alt.paths.length) return undefined;
  const skipped = alt.passedOver.map((p) => `${p.path}: ${p.reason}`).join('; ');
  return `read from ${result.path}, the first of ${alt.paths.join(' | ')} this configuration declares${skipped ? ` (passed over ${skipped})` : ''}`;
}
