import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandWith, loadSuite } from '../../src/suite/load-suite.js';
import { InputError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/paths.js';

async function loadText(text: string) {
  const dir = tempDir();
  const file = join(dir, 'suite.yaml');
  writeFileSync(file, text);
  return { file, load: () => loadSuite(file) };
}

async function rejection(text: string): Promise<InputError> {
  const { load } = await loadText(text);
  try {
    await load();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected the suite to be rejected');
}

async function errorOf(text: string): Promise<string> {
  return (await rejection(text)).message;
}

/** Line and column of each problem, in the order reported. */
async function problemPlaces(text: string): Promise<[number | undefined, number | undefined][]> {
  return (await rejection(text)).problems.map((p) => [p.location?.line, p.location?.column]);
}

describe('loading suites', () => {
  it('parses cases, paths, targets and with-overrides', async () => {
    const { load, file } = await loadText(
      [
        'suite: demo',
        'targets: [{ host: laptop }, { host: desktop }]',
        'cases:',
        '  -   name: kptr',
        '      path: boot.kernel.sysctl."kernel.kptr_restrict"',
        '      gte: 1',
        '  - name: with override',
        '    target: { file: ./t.nix, attr: result }',
        '    with: { kernelcore.security.hardening.enable: true, "boot.kernel.sysctl.\\"a.b\\"": 1 }',
        '    withPriority: force',
        '    attr: options.x.isDefined',
        '    equals: true',
      ].join('\n'),
    );
    const suite = await load();
    expect(suite.name).toBe('demo');
    expect(suite.cases[0]).toMatchObject({
      root: 'config',
      path: ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'],
      targets: [{ host: 'laptop' }, { host: 'desktop' }],
      matchers: { gte: 1 },
      location: { file, line: 4, column: 13 },
      withPriority: 100,
      with: null,
    });
    expect(suite.cases[0]).not.toHaveProperty('skip');
    expect(suite.cases[1]).toMatchObject({
      root: 'attr',
      path: ['options', 'x', 'isDefined'],
      withPriority: 50,
      with: { kernelcore: { security: { hardening: { enable: true } } }, boot: { kernel: { sysctl: { 'a.b': 1 } } } },
      targets: [{ file: join(file, '..', 't.nix'), attr: 'result' }],
    });
  });

  it('names file:line:col for YAML syntax errors', async () => {
    const message = await errorOf('cases:\n  - name: x\n    path: [unclosed\n');
    expect(message).toMatch(/suite\.yaml is not valid YAML/);
    expect(message).toMatch(/suite\.yaml:\d+:\d+: /);
  });

  it('names the line of an unknown key and of a case without path', async () => {
    const message = await errorOf(['targets: [{ host: a }]', 'cases:', '  - name: x', '    path: a.b', '    equls: 1', '  - name: y', '    gte: 1'].join('\n'));
    expect(message).toMatch(/suite\.yaml:5:\d+: unknown key "equls"/);
    expect(message).toMatch(/suite\.yaml:6:\d+: .* needs one of the keys "path" or "attr"/);
  });

  it('points at a misspelt key itself and suggests the nearest matcher, also inside not:', async () => {
    const message = await errorOf(
      ['targets: [{ host: a }]', 'cases:', '  - name: x', '    path: a.b', '    equal: 1', '  - name: y', '    path: a.c', '    not: { containsAl: [1] }', '  - name: z', '    path: a.d', '    zzzzzzzz: 1', '    equals: 1'].join('\n'),
    );
    expect(message).toMatch(/suite\.yaml:5:5: unknown key "equal" in "cases\.0": did you mean "equals"\?/);
    expect(message).toMatch(/suite\.yaml:8:12: unknown key "containsAl" in "cases\.1\.not": did you mean "containsAll"\?/);
    expect(message).toMatch(/suite\.yaml:11:5: unknown key "zzzzzzzz" in "cases\.2"$/m);
  });

  it('suggests keys of the suite and of its targets too', async () => {
    const message = await errorOf(['targets: [{ hots: a }]', 'case:', '  - name: x'].join('\n'));
    expect(message).toMatch(/suite\.yaml:1:13: unknown key "hots" in "targets\.0": did you mean "host"\?/);
    expect(message).toMatch(/suite\.yaml:2:1: unknown key "case" in the document: did you mean "cases"\?/);
  });

  it('rejects bad paths, bad regexes, missing targets and matchers, each at its line', async () => {
    const message = await errorOf(
      ['cases:', '  - name: a', '    path: a..b', '    equals: 1', '  - name: b', '    path: x', '    matches: "(unclosed"', '  - name: c', '    path: y'].join('\n'),
    );
    expect(message).toMatch(/suite\.yaml:3:\d+: empty segment/);
    expect(message).toMatch(/suite\.yaml:7:\d+: matches is not a regular expression nixcheck can run: missing closing \)/);
    expect(message).toMatch(/suite\.yaml:2:\d+: no target/);
    expect(message).toMatch(/suite\.yaml:8:\d+: no matcher/);
  });

  it('refuses regex syntax without a linear-time match (lookaround, backreferences), saying where', async () => {
    const message = await errorOf(
      ['targets: [{ host: a }]', 'cases:', '  - name: a', '    path: x', '    matches: "^(?=a)b"', '  - name: b', '    path: y', '    not: { containsMatch: "(a)\\\\1" }', '  - name: c', '    path: z', '    throws: "a(?<!b)"'].join('\n'),
    );
    expect(message).toMatch(/suite\.yaml:5:14: matches is not a regular expression nixcheck can run: .*`\(\?=` at character 2/);
    expect(message).toMatch(/suite\.yaml:8:\d+: not\.containsMatch is not a regular expression nixcheck can run: invalid escape sequence `\\1`/);
    expect(message).toMatch(/suite\.yaml:11:\d+: throws is not a regular expression nixcheck can run/);
  });

  it('type-checks the bounds of gt/gte/lt/lte when loading (a string must hold a number)', async () => {
    const message = await errorOf(
      ['targets: [{ host: a }]', 'cases:', '  - name: a', '    path: x', '    gte: "one"', '  - name: b', '    path: y', '    length: { lt: "many" }', '  - name: c', '    path: z', '    gt: "2"'].join('\n'),
    );
    expect(message).toMatch(/suite\.yaml:5:10: gte expects a number \(or a string holding one\), got "one"/);
    expect(message).toMatch(/suite\.yaml:8:\d+: length\.lt expects a number/);
    expect(message).not.toMatch(/suite\.yaml:11/);
  });

  it('checks the attribute paths of targets at their line', async () => {
    const message = await errorOf(['targets: [{ flakeAttr: "a..b" }]', 'cases:', '  - name: x', '    path: y', '    target: { file: t.nix, attr: "trailing." }', '    equals: 1'].join('\n'));
    expect(message).toMatch(/suite\.yaml:1:\d+: empty segment in "a\.\.b"/);
    expect(message).toMatch(/suite\.yaml:5:\d+: trailing "\." in "trailing\."/);
  });

  it('rejects a `with` that sets a value and something below it, naming the value\'s path', () => {
    expect(() => expandWith({ 'a.b': 1, 'a.b.c.d': 2 })).toThrow('`with` sets a.b and also something below it');
    expect(() => expandWith({ 'a.b': null, 'a.b.c': 2 })).toThrow('`with` sets a.b and also something below it');
    expect(() => expandWith({ 'a.b': [1], 'a.b.c': 2 })).toThrow('`with` sets a.b and also something below it');
    expect(() => expandWith({ 'a.b': 1, 'a."b"': 2 })).toThrow('`with` sets a."b" twice');
  });

  it('names the suite in a file it cannot read', async () => {
    const file = join(tempDir(), 'missing.yaml');
    await expect(loadSuite(file)).rejects.toThrow(`cannot read suite ${file}: `);
  });

  it('says which suite has errors, above its problems', async () => {
    const { message } = await rejection(['cases:', '  - name: a', '    path: x', '    equals: 1'].join('\n'));
    expect(message).toMatch(/^suite \S*suite\.yaml has errors\n  \S*suite\.yaml:2:\d+: no target/);
  });

  it('lists every matcher a case without one could use', async () => {
    expect(await errorOf(['targets: [{ host: a }]', 'cases:', '  - name: a', '    path: x'].join('\n'))).toMatch(/: no matcher: add one of equals, oneOf, contains, (\w+, )+throws$/m);
  });

  it('keeps a skipped case\'s reason, and needs no matcher for it', async () => {
    const { load } = await loadText(['targets: [{ host: a }]', 'cases:', '  - name: a', '    path: x', '    skip: not on this release'].join('\n'));
    expect((await load()).cases[0]).toMatchObject({ skip: 'not on this release', matchers: {} });
  });

  it('resolves the modules and lib of a modules target against the suite\'s directory, and keeps flake references', async () => {
    const { load, file } = await loadText(['targets:', '  - modules: [ ./m.nix, "nixpkgs#nixosModules.x" ]', '    lib: ../lib', 'cases:', '  - name: a', '    path: x', '    equals: 1'].join('\n'));
    const dir = join(file, '..');
    expect((await load()).cases[0]!.targets).toEqual([{ modules: [join(dir, 'm.nix'), 'nixpkgs#nixosModules.x'], lib: join(dir, '..', 'lib'), suiteDir: dir }]);
  });

  it('names the line and column of each bad module reference and lib, in the suite\'s and in a case\'s target', async () => {
    expect(
      await problemPlaces(
        ['targets:', '  - modules: [ ./a.nix, nixpkgs ]', '    lib: "lib.nix#"', 'cases:', '  - name: x', '    path: a', '    equals: 1', '    target:', '      modules: [ nixpkgs ]', '      lib: nixpkgs'].join('\n'),
      ),
    ).toEqual([
      [2, 25],
      [3, 10],
      [9, 18],
      [10, 12],
    ]);
  });

  it('names the line of a bad attribute path of a suite target written over several lines', async () => {
    expect(await problemPlaces(['targets:', '  - host: a', '  - file: ./t.nix', '    attr: "a..b"', 'cases:', '  - name: x', '    path: y', '    equals: 1'].join('\n'))).toEqual([[4, 11]]);
  });

  it('names the line of a bad `attr:` of a case, and of a bad `with:`', async () => {
    expect(await problemPlaces(['targets: [{ host: a }]', 'cases:', '  - name: x', '    attr: "a..b"', '    equals: 1', '  - name: y', '    path: z', '    equals: 1', '    with: { a: 1, a.b: 2 }'].join('\n'))).toEqual([
      [4, 11],
      [9, 11],
    ]);
  });
});
