import type { RawDefinition, RawEvidence } from '../nix/request.js';
import type { DefinitionSite, Evidence, SourceSite } from '../result/model.js';
import { formatAttrPath } from '../suite/attr-path.js';
import { inlineModuleLabel } from '../nix/module-files.js';
import { definitionOrigin } from './origin.js';
import type { SourceLocator } from './source-locator.js';

export function priorityName(priority: number | null | undefined): string | undefined {
  if (priority === null || priority === undefined) return undefined;
  if (priority === 50) return 'mkForce';
  if (priority === 100) return 'normal';
  if (priority === 1000) return 'mkDefault';
  if (priority === 1500) return 'option default';
  return `mkOverride ${priority}`;
}

export interface EvidenceContext {
  /**
   * The file that lists the target's inline modules, when the target is a Nix file
   * (`lib.evalModules { modules = [ { ... } ]; }`): an inline module's line is looked for there.
   */
  listingFile?: string;
}

/** Turn what the engine found into report evidence with local files and lines. */
export async function resolveEvidence(raw: RawEvidence, locator: SourceLocator, context: EvidenceContext = {}): Promise<Evidence> {
  const fullPath = [...raw.option, ...raw.subPath];
  const positions = new Map(raw.declarationPositions.map((p) => [p.file, p]));
  const site = async (d: RawDefinition): Promise<DefinitionSite> => {
    const { origin, local } = definitionOrigin(d.file, raw.modulesPath, locator);
    const where = origin === 'inline' ? context.listingFile : local;
    // The declared default (priority 1500) is defined where the option is declared.
    const declared = (d.priority ?? 0) >= 1500 ? positions.get(d.file)?.line : undefined;
    const found = declared
      ? { line: declared }
      : where
        ? await locator.locateDefinition(where, {
            path: fullPath,
            optionDepth: raw.option.length,
            priority: d.priority,
            ...('value' in d ? { value: d.value } : {}),
            // The module system names no file for inline modules: their count says nothing about one file.
            ...(origin === 'inline' ? {} : { definitionsInFile: d.definitionsInFile }),
          })
        : {};
    // An inline module is only placed in the listing file when it is found there.
    const shownFile = where && (origin !== 'inline' || 'line' in found || 'candidates' in found) ? { localFile: locator.display(where) } : {};
    return {
      file: d.file,
      origin,
      ...shownFile,
      ...found,
      ...(d.priority !== null ? { priority: d.priority } : {}),
    };
  };
  const definitions = await Promise.all(raw.definitions.map(site));
  const overridden = await Promise.all(raw.overridden.map(site));
  const declarations: SourceSite[] = raw.declarations.map((file) => {
    const local = locator.toLocal(file);
    const pos = positions.get(file);
    return {
      file,
      ...(local ? { localFile: locator.display(local) } : {}),
      ...(pos ? { line: pos.line, column: pos.column } : {}),
    };
  });
  return {
    option: formatAttrPath(raw.option),
    ...(raw.subPath.length > 0 ? { subPath: raw.subPath } : {}),
    isDefined: raw.isDefined,
    ...(raw.priority !== null ? { priority: raw.priority, priorityName: priorityName(raw.priority) } : {}),
    source: raw.source === 'set' ? sourceOf(definitions) : raw.source,
    definitions,
    overridden,
    ...(raw.overriddenKnown !== null ? { overriddenKnown: raw.overriddenKnown } : {}),
    declarations,
  };
}

/** Upstream only when every winning definition is positively upstream; the user's when any is theirs. */
function sourceOf(definitions: readonly DefinitionSite[]): Evidence['source'] {
  if (definitions.length > 0 && definitions.every((d) => d.origin === 'upstream')) return 'upstream';
  if (definitions.some((d) => d.origin === 'user' || d.origin === 'inline' || d.origin === 'with')) return 'user';
  return 'unknown';
}

/** `services/ssh.nix:12 (mkForce); overriding hardening.nix:30 (mkDefault)` for terminal and Markdown output. */
export function describeDefinitions(evidence: Evidence): string {
  const sites = evidence.definitions.map(describeSite).join(', ');
  switch (evidence.source) {
    case 'default': {
      const declared = evidence.definitions.find((d) => d.line !== undefined);
      return `not set by any module: the declared default applies${declared ? ` (declared at ${declared.localFile ?? declared.file}:${declared.line})` : ''}`;
    }
    case 'upstream':
      return `NixOS default: set only by upstream modules (${sites})${describeOverridden(evidence)}`;
    case 'unknown':
      return `source unknown${sites ? ` (${sites})` : ''}`;
    default:
      return `${sites}${describeOverridden(evidence)}`;
  }
}

/** What the winning definitions overrode, as a suffix: `; overriding a.nix:3 (normal)`. */
export function describeOverridden(evidence: Evidence): string {
  const lost = evidence.overridden.map(describeSite).join(', ');
  if (evidence.overriddenKnown !== false) return lost ? `; overriding ${lost}` : '';
  return lost ? `; overriding ${lost} and possibly more` : '; what it overrides is unknown';
}

export function describeSite(d: DefinitionSite): string {
  const priority = d.priority !== undefined ? ` (${priorityName(d.priority)})` : '';
  if (d.origin === 'with') return `with: override${priority}`;
  const at = d.line ? `:${d.line}` : d.candidates ? `, line ${orList(d.candidates)}` : '';
  if (d.origin === 'inline') return `${inlineModuleLabel(d.file)}${d.localFile ? ` in ${d.localFile}${at}` : ''}${priority}`;
  return `${d.localFile ?? d.file}${at}${priority}`;
}

function orList(lines: readonly number[]): string {
  return lines.length === 1 ? String(lines[0]) : `${lines.slice(0, -1).join(', ')} or ${lines[lines.length - 1]}`;
}
