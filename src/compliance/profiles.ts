/**
 * Profiles: named selections of controls (compliance/profiles/*.yaml plus users' dirs).
 */
import { InputError, formatLocation, type SourceLocation } from '../util/errors.js';
import { packagePath } from '../util/package-root.js';
import { validatorFor } from '../util/schemas.js';
import { loadYaml } from '../util/yaml-source.js';
import { yamlSources, type Catalogue } from './catalogue.js';
import type { CisLevel, CisProfile, Control, Framework, Profile, ProfileSelect } from './types.js';

export interface ProfileSet {
  profiles: Profile[];
  byId: ReadonlyMap<string, Profile>;
}

export interface LoadProfilesOptions {
  /** Extra directories (recursively, *.yaml / *.yml) or single files, one profile per file. */
  dirs?: readonly string[];
  /** Include nixcheck's own profiles (default true). */
  builtin?: boolean;
}

interface RawProfile {
  id: string;
  title: string;
  description?: string;
  select?: ProfileSelect;
  include?: string[];
  exclude?: string[];
  groupBy?: Profile['groupBy'];
}

export function builtinProfilesDir(): string {
  return packagePath('compliance', 'profiles');
}

export async function loadProfiles(options: LoadProfilesOptions = {}): Promise<ProfileSet> {
  const sources = await yamlSources(builtinProfilesDir(), options, 'profiles');
  const validate = validatorFor('profile');
  const profiles: Profile[] = [];
  const byId = new Map<string, Profile>();
  const problems: { location: SourceLocation; message: string }[] = [];
  for (const { file, builtin } of sources) {
    const src = await loadYaml<RawProfile>(file, validate, 'profile');
    const raw = src.data;
    const p: Profile = {
      id: raw.id,
      title: raw.title,
      ...(raw.description !== undefined ? { description: raw.description } : {}),
      ...(raw.select !== undefined ? { select: raw.select } : {}),
      include: raw.include ?? [],
      exclude: raw.exclude ?? [],
      ...(raw.groupBy !== undefined ? { groupBy: raw.groupBy } : {}),
      location: src.locate(['id']),
      entryLocations: {
        include: (raw.include ?? []).map((_, i) => src.locate(['include', i])),
        exclude: (raw.exclude ?? []).map((_, i) => src.locate(['exclude', i])),
      },
      builtin,
    };
    const first = byId.get(p.id);
    if (first) {
      problems.push({ location: first.location, message: `profile "${p.id}" is first defined here` });
      problems.push({ location: p.location, message: `duplicate profile id "${p.id}" (already defined at ${formatLocation(first.location)})` });
      continue;
    }
    byId.set(p.id, p);
    profiles.push(p);
  }
  if (problems.length > 0) throw new InputError('compliance profiles are invalid', problems);
  return { profiles, byId };
}

/** The lowest CIS level at which a control is recommended (optionally for one CIS profile). */
export function cisLevelOf(control: Control, profile?: CisProfile): CisLevel | undefined {
  let best: CisLevel | undefined;
  for (const r of control.refs.cis ?? []) {
    if (profile && !r.profiles.includes(profile)) continue;
    if (best === undefined || r.level < best) best = r.level;
  }
  return best;
}

/** NIST SP 800-53 families of a control: `AC-6(2)` -> `AC`. */
export function nistFamilies(control: Pick<Control, 'refs'>): string[] {
  return [...new Set((control.refs.nist ?? []).map(nistFamily))];
}

export function nistFamily(ref: string): string {
  const dash = ref.indexOf('-');
  return dash < 0 ? ref : ref.slice(0, dash);
}

export function hasFramework(control: Pick<Control, 'refs'>, framework: Framework): boolean {
  return (control.refs[framework]?.length ?? 0) > 0;
}

/** The controls a `select` picks, in catalogue order. */
export function selectControls(select: ProfileSelect, controls: readonly Control[]): Control[] {
  if (select.framework !== 'cis') return controls.filter((c) => hasFramework(c, select.framework));
  const maxLevel = select.maxLevel ?? 2;
  return controls.filter((c) => {
    const level = cisLevelOf(c, select.profile);
    return level !== undefined && level <= maxLevel;
  });
}

/** Every include/exclude id of every profile must name a control: one InputError listing all that do not. */
export function checkProfiles(profiles: ProfileSet, catalogue: Catalogue): void {
  const problems: { location: SourceLocation; message: string }[] = [];
  for (const p of profiles.profiles) {
    for (const kind of ['include', 'exclude'] as const) {
      p[kind].forEach((id, i) => {
        if (!catalogue.byId.has(id)) {
          problems.push({ location: p.entryLocations[kind][i]!, message: `profile "${p.id}" ${kind}s unknown control "${id}"` });
        }
      });
    }
  }
  if (problems.length > 0) throw new InputError('compliance profiles name unknown controls', problems);
}

export function getProfile(profiles: ProfileSet, id: string): Profile {
  const p = profiles.byId.get(id);
  if (p) return p;
  const known = profiles.profiles.map((x) => x.id).sort();
  throw new InputError(`unknown compliance profile "${id}"; known profiles: ${known.join(', ') || '(none)'}`);
}

/**
 * The controls of a profile, in catalogue order: those its `select` picks, plus `include`,
 * minus `exclude`. Unknown profile -> InputError listing the known ones; an include or
 * exclude naming no control -> InputError at that entry.
 */
export function resolveProfile(id: string, profiles: ProfileSet, catalogue: Catalogue): Control[] {
  const profile = getProfile(profiles, id);
  checkProfiles({ profiles: [profile], byId: new Map([[profile.id, profile]]) }, catalogue);
  const chosen = new Set<string>(profile.select ? selectControls(profile.select, catalogue.controls).map((c) => c.id) : []);
  for (const x of profile.include) chosen.add(x);
  for (const x of profile.exclude) chosen.delete(x);
  return catalogue.controls.filter((c) => chosen.has(c.id));
}
