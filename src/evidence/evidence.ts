import type { RawEvidence } from '../nix/request.js';
import type { DefinitionSite, Evidence, SourceSite } from '../result/model.js';
import { formatAttrPath } from '../suite/attr-path.js';
import type { SourceLocator } from './source-locator.js';

export function priorityName(priority: number | null | undefined): string | undefined {
  if (priority === null || priority === undefined) return undefined;
  if (priority === 50) return 'mkForce';
  if (priority === 100) return 'normal';
  if (priority === 1000) return 'mkDefault';
  if (priority === 1500) return 'option default';
  return `mkOverride ${priority}`;
}

/** Turn what the engine found into report evidence with local files and lines. */
export async function resolveEvidence(raw: RawEvidence, locator: SourceLocator): Promise<Evidence> {
  const fullPath = [...raw.option, ...raw.subPath];
  const positions = new Map(raw.declarationPositions.map((p) => [p.file, p]));
  const site = async (d: { file: string; priority: number | null }): Promise<DefinitionSite> => {
    const local = locator.toLocal(d.file);
    // The declared default (priority 1500) is defined where the option is declared.
    const declared = d.priority !== null && d.priority >= 1500 ? positions.get(d.file)?.line : undefined;
    const line = declared ?? (local ? await locator.findDefinitionLine(local, fullPath) : undefined);
    return {
      file: d.file,
      ...(local ? { localFile: locator.display(local) } : {}),
      ...(line ? { line } : {}),
      ...(d.priority !== null ? { priority: d.priority } : {}),
      ...(locator.isUpstream(local) ? { upstream: true } : {}),
    };
  };
  const definitions = await Promise.all(raw.definitions.map(site));
  const overridden = await Promise.all((raw.overridden ?? []).map(site));
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
    source: raw.source === 'user' && definitions.length > 0 && definitions.every((d) => d.upstream) ? 'upstream' : raw.source,
    definitions,
    overridden,
    declarations,
  };
}

/** `services/ssh.nix:12 (mkForce)` for terminal and Markdown output. */
export function describeDefinitions(evidence: Evidence): string {
  if (evidence.source === 'default') return 'not set by any module: the declared default applies';
  if (evidence.source === 'upstream') return `NixOS default: set only by upstream modules (${evidence.definitions.map(describeSite).join(', ')})`;
  const text = evidence.definitions.map(describeSite).join(', ');
  return evidence.overridden.length === 0 ? text : `${text}; overriding ${evidence.overridden.map(describeSite).join(', ')}`;
}

export function describeSite(d: DefinitionSite): string {
  return `${d.localFile ?? d.file}${d.line ? `:${d.line}` : ''}${d.priority !== undefined ? ` (${priorityName(d.priority)})` : ''}`;
}
