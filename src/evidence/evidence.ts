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
  const definitions: DefinitionSite[] = await Promise.all(
    raw.definitions.map(async (d) => {
      const local = locator.toLocal(d.file);
      const line = local ? await locator.findDefinitionLine(local, fullPath) : undefined;
      return {
        file: d.file,
        ...(local ? { localFile: locator.display(local) } : {}),
        ...(line ? { line } : {}),
        ...(d.priority !== null ? { priority: d.priority } : {}),
      };
    }),
  );
  const positions = new Map(raw.declarationPositions.map((p) => [p.file, p]));
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
    source: raw.source,
    definitions,
    declarations,
  };
}

/** `services/ssh.nix:12 (mkForce)` for terminal and Markdown output. */
export function describeDefinitions(evidence: Evidence): string {
  if (evidence.source === 'default') return 'not set by any module: the declared default applies';
  return evidence.definitions
    .map((d) => `${d.localFile ?? d.file}${d.line ? `:${d.line}` : ''}${d.priority !== undefined ? ` (${priorityName(d.priority)})` : ''}`)
    .join(', ');
}
