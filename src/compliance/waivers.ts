/**
 * Waivers: accepted deviations, each with a justification and an expiry date.
 * An expired waiver stops counting (the control's own result stands) and is reported.
 */
import { compileUserRegex } from '../match/user-regex.js';
import { compareText } from '../util/compare-text.js';
import { globPattern } from '../util/glob.js';
import { InputError, type SourceLocation } from '../util/errors.js';
import { validatorFor } from '../util/schemas.js';
import { loadYaml } from '../util/yaml-source.js';
import type { Catalogue } from './catalogue.js';
import { isFinding, type ControlVerdict, type Waiver } from './types.js';

interface RawWaiver {
  control: string;
  hosts?: string | string[];
  justification: string;
  expires: string;
  approvedBy?: string;
}

/** Known control ids: a catalogue, or any collection of ids. */
export type KnownControls = Catalogue | Iterable<string>;

function knownIds(known: KnownControls): Set<string> {
  return 'byId' in known ? new Set(known.byId.keys()) : new Set(known);
}

/** YYYY-MM-DD that names a real calendar day. */
export function isValidDay(day: string): boolean {
  // The day written back must be the text itself: that rules out 2027-02-30 and anything around a date.
  const m = /(\d{4})-(\d{2})-(\d{2})/.exec(day);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === day;
}

/** A Date as YYYY-MM-DD in local time (a string is returned unchanged). */
export function toDay(today: Date | string): string {
  if (typeof today === 'string') return today;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${today.getFullYear()}-${p(today.getMonth() + 1)}-${p(today.getDate())}`;
}

/**
 * Load one waiver file. Schema problems (a missing or empty justification, a malformed
 * date, an unknown key) and control ids that name no control are InputErrors naming
 * file:line:col.
 */
export async function loadWaivers(file: string, known: KnownControls): Promise<Waiver[]> {
  const src = await loadYaml<{ waivers: RawWaiver[] }>(file, validatorFor('waivers'), 'waiver file');
  const ids = knownIds(known);
  const problems: { location: SourceLocation; message: string }[] = [];
  const waivers = src.data.waivers.map((raw, i): Waiver => {
    if (!ids.has(raw.control)) {
      problems.push({ location: src.locate(['waivers', i, 'control']), message: `unknown control "${raw.control}"` });
    }
    if (raw.justification.trim() === '') {
      problems.push({ location: src.locate(['waivers', i, 'justification']), message: 'the justification is empty: say why the deviation is accepted' });
    }
    if (!isValidDay(raw.expires)) {
      problems.push({ location: src.locate(['waivers', i, 'expires']), message: `"${raw.expires}" is not a calendar date (YYYY-MM-DD)` });
    }
    return {
      control: raw.control,
      hosts: raw.hosts === undefined ? ['*'] : typeof raw.hosts === 'string' ? [raw.hosts] : raw.hosts,
      justification: raw.justification.trim(),
      expires: raw.expires,
      ...(raw.approvedBy !== undefined ? { approvedBy: raw.approvedBy } : {}),
      location: src.locate(['waivers', i]),
    };
  });
  if (problems.length > 0) throw new InputError(`waiver file has problems`, problems);
  return waivers;
}

/** Several waiver files, concatenated in order. */
export async function loadWaiverFiles(files: readonly string[], known: KnownControls): Promise<Waiver[]> {
  const out: Waiver[] = [];
  for (const f of files) out.push(...(await loadWaivers(f, known)));
  return out;
}

/** Shell-style glob on host names: `*` any run of characters, `?` one character (in linear time). */
export function hostMatches(glob: string, host: string): boolean {
  return compileUserRegex(globPattern(glob)).test(host);
}

/** A waiver holds through its `expires` day and is expired from the day after. */
export function isExpired(waiver: Waiver, today: Date | string): boolean {
  return toDay(today) > waiver.expires;
}

export interface WaiverMatch {
  /** The active waiver (the one expiring last, when several apply). */
  active?: Waiver;
  /** Waivers for this control and host that have expired, latest expiry first. */
  expired: Waiver[];
}

/** The waivers that apply to one control on one host today. */
export function applyWaivers(waivers: readonly Waiver[], controlId: string, host: string, today: Date | string): WaiverMatch {
  const day = toDay(today);
  const matching = waivers
    .filter((w) => w.control === controlId && w.hosts.some((g) => hostMatches(g, host)))
    .sort((a, b) => compareText(b.expires, a.expires));
  const active = matching.find((w) => !isExpired(w, day));
  return { ...(active ? { active } : {}), expired: matching.filter((w) => isExpired(w, day)) };
}

/**
 * A verdict with waivers applied: an active waiver turns fail, error, drift and manual into
 * `waived` (a pass or not-applicable stays, with the waiver attached so reports can say
 * it is no longer needed); an expired waiver changes nothing but is attached as
 * `expiredWaiver`.
 */
export function waiveVerdict(verdict: ControlVerdict, waivers: readonly Waiver[], today: Date | string): ControlVerdict {
  const { active, expired } = applyWaivers(waivers, verdict.controlId, verdict.host, today);
  const out: ControlVerdict = { ...verdict };
  if (active) {
    out.waiver = active;
    if (isFinding(out.status) || out.status === 'manual') out.status = 'waived';
  } else if (expired[0]) {
    out.expiredWaiver = expired[0];
  }
  return out;
}

/** Every expired waiver in a list, for the results' "expired waivers" section. */
export function expiredWaivers(waivers: readonly Waiver[], today: Date | string): Waiver[] {
  return waivers.filter((w) => isExpired(w, today));
}
