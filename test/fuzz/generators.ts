/**
 * Generated nixcheck inputs, valid, mutated and hostile: suites, waivers, controls and
 * nixcheck.yaml, as the bytes of a file. Structured values are generated first (so many
 * inputs get past the YAML parser to the schema and the loaders' own checks), then
 * serialized, sometimes with anchors, then sometimes mutated as text or bytes.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { MATCHER_KEYS } from '../../src/match/matchers.js';

const HOSTILE_STRINGS = [
  '^(a+)+$', '(?=x)', '(a)\\1', '[', '\\', '*', '', ' ', 'a..b', '"', 'a."b', '\n::error file=flake.nix,line=1::x',
  '<img src=x onerror=alert(1)> <!--', 'a"; builtins.abort "x', '${builtins.abort "x"}', '\u0000', '\u202e', '\ud800',
  '1e9', '-1', 'NaN', '.inf', '0x10', 'true', 'null', '~', '&a', '*a', '!!binary', '---', '#', 'x'.repeat(5000),
  'networking.firewall.enable', 'boot.kernel.sysctl."kernel.kptr_restrict"', 'laptop', '2026-02-30', '2026-01-01', '9999-12-31',
];
const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
/** Text where the schema wants some: rarely empty. */
const text = fc.oneof({ weight: 10, arbitrary: hostileString.filter((t) => t.trim() !== '') }, { weight: 1, arbitrary: hostileString });
const hostileNumber = fc.oneof(fc.constantFrom(0, -1, 0.5, 1e9, 2147484, 1e308, Number.MAX_SAFE_INTEGER, 86400, 86401), fc.integer(), fc.double({ noNaN: true }));
const scalar = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
const json: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(hostileString, tie('v'), { maxKeys: 3 })),
})).v;

/** Mostly a plausible value, sometimes anything. */
const either = <T>(plausible: fc.Arbitrary<T>) => fc.oneof({ weight: 20, arbitrary: plausible }, { weight: 1, arbitrary: json });
const maybe = <T>(key: string, value: fc.Arbitrary<T>) => fc.option(value.map((v) => ({ [key]: v })), { nil: {} });
const merge = (parts: object[]) => Object.assign({}, ...parts) as Record<string, unknown>;
/** Mostly the first, now and then the second. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 10, arbitrary: good }, { weight: 1, arbitrary: bad });

const regex = fc.oneof(fc.constantFrom('^(a+)+$', '(?=x)', '(a)\\1', '[', 'ok', '^yes$', '(?i)root', '\\d+', 'a{2,1001}', 'x++'), hostileString);
const bound = fc.oneof(hostileNumber, fc.constantFrom('2', ' 3 ', '-1.5', 'one', '', '1e3', '0x1'));
const operand: Record<(typeof MATCHER_KEYS)[number], fc.Arbitrary<unknown>> = {
  equals: json, oneOf: fc.array(scalar, { maxLength: 3 }), contains: scalar, containsAll: fc.array(scalar, { maxLength: 3 }),
  containsMatch: regex, matches: regex, throws: regex, gt: bound, gte: bound, lt: bound, lte: bound,
  type: fc.constantFrom('bool', 'int', 'string', 'list', 'attrs', 'derivation', 'nope'), exists: fc.boolean(), absent: fc.boolean(),
  length: fc.oneof(fc.nat(5), fc.record({ gte: bound })), not: fc.record({ matches: regex }),
};
const matchers = fc
  .uniqueArray(fc.constantFrom(...MATCHER_KEYS), { minLength: 0, maxLength: 3 })
  .chain((keys) => fc.tuple(...keys.map((k) => either(operand[k]).map((v) => [k, v] as const))))
  .map((pairs) => Object.fromEntries(pairs));
const target = either(fc.oneof(fc.constant({ host: 'laptop' }), fc.record({ host: hostileString }), fc.record({ file: fc.constantFrom('value.nix', 'missing.nix', '../x.nix') }), fc.record({ flakeAttr: hostileString })));
const attrPath = fc.oneof(fc.constantFrom('networking.firewall.enable', 'boot.kernel.sysctl."kernel.kptr_restrict"', 'x', 'a.b.c'), hostileString);

const suiteCase = fc
  .tuple(
    fc.record({ name: either(text) }),
    mostly(fc.oneof(fc.record({ path: either(attrPath) }), fc.record({ attr: either(attrPath) })), fc.constant({})),
    matchers,
    maybe('with', either(fc.dictionary(attrPath, json, { maxKeys: 3 }))),
    maybe('withPriority', either(mostly(fc.constantFrom('normal', 'force', 'default'), fc.constant('mkForce')))),
    maybe('skip', text),
    maybe('target', target),
  )
  .map(merge);
export const suite = fc
  .tuple(maybe('suite', text), maybe('targets', fc.array(target, { minLength: 1, maxLength: 2 })), fc.record({ cases: either(fc.array(suiteCase, { minLength: 1, maxLength: 4 })) }))
  .map(merge);

export const waivers = fc.record({
  waivers: either(
    fc.array(
      fc.tuple(
        fc.record({ control: either(fc.constantFrom('known-control', 'unknown-control')), justification: either(text), expires: either(mostly(fc.constantFrom('2026-01-01', '2099-12-31'), fc.oneof(fc.constant('2026-02-30'), hostileString))) }),
        maybe('hosts', either(mostly(fc.oneof(fc.constantFrom('*', 'lap*', 'k3s-?ode'), fc.array(text, { minLength: 1, maxLength: 2 })), hostileString))),
        maybe('approvedBy', text),
      ).map(merge),
      { minLength: 1, maxLength: 3 },
    ),
  ),
});

const check = fc.tuple(fc.record({ path: either(attrPath) }), matchers).map(merge);
export const controls = fc.record({
  controls: either(
    fc.array(
      fc.tuple(
        fc.record({
          id: either(mostly(fc.constantFrom('my-control', 'other-control', 'x'), fc.constant('Bad Id'))),
          title: either(text),
          severity: either(mostly(fc.constantFrom('low', 'medium', 'high', 'critical'), fc.constant('extreme'))),
          rationale: either(text),
          remediation: either(text),
          fix: either(text),
          refs: either(fc.constant({})),
        }),
        maybe('checks', either(fc.array(check, { minLength: 1, maxLength: 2 }))),
        maybe('appliesWhen', fc.array(check, { minLength: 1, maxLength: 1 })),
        maybe('runtime', fc.array(fc.record({ command: either(text), expect: matchers }), { minLength: 1, maxLength: 1 })),
        maybe('impact', either(mostly(fc.double({ min: 0, max: 1, noNaN: true }), hostileNumber))),
      ).map(merge),
      { minLength: 1, maxLength: 2 },
    ),
  ),
});

export const config = fc
  .tuple(
    maybe('flake', either(fc.constantFrom('.', './nowhere', 'github:o/r', 'path:.', ''))),
    maybe('suites', either(fc.array(hostileString, { maxLength: 2 }))),
    maybe('timeout', either(mostly(fc.integer({ min: 1, max: 86400 }), hostileNumber))),
    maybe('jobs', either(mostly(fc.integer({ min: 1, max: 64 }), hostileNumber))),
    maybe('reporters', either(fc.array(mostly(fc.constantFrom('terminal', 'junit', 'json', 'github'), fc.constant('nope')), { maxLength: 2 }))),
    maybe('out', hostileString),
    maybe('hostsAttr', hostileString),
  )
  .map(merge);

/** Text and byte mutations: what hand edits, bad tools and adversaries do to a file. */
const SNIPPETS = [
  '&a [*a]', 'x: &b {k: *b}', '{{{{', '[[[[', '\t', ': :', '- - -', '"', "'", '\\', '#', '!!python/object:x', '%TAG', '---\n', '...\n', '<<: *a',
  '\n  - ', '\nx:\n', 'key: &c v\n', '*c', '? ', '|\n', '>-\n', '\u0085', '\ufeff', '\r',
];
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 5 })) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), byte: fc.constantFrom(0xff, 0xc3, 0xe2, 0x80, 0xed, 0xf4, 0x00) }),
  fc.record({ kind: fc.constant('deep' as const), depth: fc.constantFrom(100, 300, 3000) }),
  fc.record({ kind: fc.constant('bomb' as const), levels: fc.integer({ min: 2, max: 8 }) }),
);

type Mutation = { kind: string; [k: string]: unknown };

function mutate(text: string, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : (m.at as number | undefined ?? 0) % (bytes.length + 1);
    if (m.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + (m.length as number))]);
    else if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.text as string, 'utf8'), bytes.subarray(at)]);
    else if (m.kind === 'byte') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte as number]), bytes.subarray(at)]);
    else if (m.kind === 'deep') bytes = Buffer.concat([bytes, Buffer.from(`\nnested: ${'['.repeat(m.depth as number)}${']'.repeat(m.depth as number)}\n`)]);
    else {
      const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < (m.levels as number); i++) levels.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
      bytes = Buffer.concat([bytes, Buffer.from(`\n${levels.join('\n')}\n`)]);
    }
  }
  return bytes;
}

/** The bytes of one file: the structure serialized (anchors for shared parts), then mutated or not. */
export function fileOf(structure: fc.Arbitrary<Record<string, unknown>>, options: { mutate?: boolean } = {}): fc.Arbitrary<Buffer> {
  const mutations = options.mutate === false ? fc.constant([]) : fc.oneof(fc.constant([]), fc.array(mutation, { minLength: 1, maxLength: 3 }));
  return fc
    .tuple(structure, fc.boolean(), mutations)
    .map(([value, share, mutations]) => {
      // The same object twice in a list: the YAML gets an anchor and an alias.
      const list = Object.values(value).find((v): v is unknown[] => Array.isArray(v) && v.length > 0);
      if (share && list) list.push(list[0]);
      let text: string;
      try {
        text = stringify(value, { aliasDuplicateObjects: true, lineWidth: 0 });
      } catch {
        text = JSON.stringify(value) ?? '';
      }
      return mutate(text, mutations as Mutation[]);
    });
}
