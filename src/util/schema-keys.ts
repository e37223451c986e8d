/**
 * The property names a JSON schema allows at one place of a document, for "did you mean"
 * hints on unknown keys. Follows `properties`, `items`, `$ref` (also into other published
 * schemas) and the `allOf`/`anyOf`/`oneOf` and `then`/`else` alternatives.
 */
type Schema = { [key: string]: unknown };
interface Located {
  schema: Schema;
  /** The $id the schema's relative references resolve against. */
  base: string;
}

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

export function allowedKeys(root: Schema, path: readonly (string | number)[], documentOf: (id: string) => Schema | undefined): string[] {
  const expand = (node: Located, seen = new Set<Schema>()): Located[] => {
    if (seen.has(node.schema)) return [];
    seen.add(node.schema);
    const out: Located[] = [node];
    const ref = node.schema.$ref;
    if (typeof ref === 'string') {
      const target = resolveRef(ref, node.base, documentOf);
      if (target) out.push(...expand(target, seen));
    }
    for (const keyword of ['allOf', 'anyOf', 'oneOf', 'then', 'else']) {
      const value = node.schema[keyword];
      for (const s of Array.isArray(value) ? value : [value]) if (isSchema(s)) out.push(...expand({ schema: s, base: node.base }, seen));
    }
    return out;
  };
  let nodes: Located[] = [{ schema: root, base: typeof root.$id === 'string' ? root.$id : '' }];
  for (const segment of path) {
    nodes = nodes.flatMap((n) => expand(n)).flatMap((n): Located[] => {
      const child = typeof segment === 'number' ? n.schema.items : (n.schema.properties as Schema | undefined)?.[segment];
      return isSchema(child) ? [{ schema: child, base: n.base }] : [];
    });
  }
  const keys = nodes.flatMap((n) => expand(n)).flatMap((n) => (isSchema(n.schema.properties) ? Object.keys(n.schema.properties) : []));
  return [...new Set(keys)];
}

function resolveRef(ref: string, base: string, documentOf: (id: string) => Schema | undefined): Located | undefined {
  let url: URL;
  try {
    url = new URL(ref, base);
  } catch {
    return undefined;
  }
  const id = `${url.origin}${url.pathname}`;
  let node: unknown = documentOf(id);
  for (const part of url.hash.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = isSchema(node) ? node[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return isSchema(node) ? { schema: node, base: id } : undefined;
}
