/**
 * Report evidence from what the engine reported, in process: which line, whose, at which
 * priority, and how it reads in words. Files are written to a temporary directory, so
 * every expected line is the line of the text below.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeDefinitions, describeOverridden, describeSite, priorityName, resolveEvidence } from '../../src/evidence/evidence.js';
import { SourceLocator } from '../../src/evidence/source-locator.js';
import { INLINE_MODULE_FILE, MODULE_SYSTEM_FILE, WITH_MODULE_FILE } from '../../src/nix/module-files.js';
import type { RawDefinition, RawEvidence } from '../../src/nix/request.js';
import type { DefinitionSite, Evidence } from '../../src/result/model.js';
import { displayPath } from '../../src/util/yaml-source.js';
import { tempDir } from '../helpers/paths.js';

const dir = tempDir();
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** Declares `x.port` at line 3 and sets it at line 6. */
const MODULE = file('module.nix', '{ lib, ... }:\n{\n  options.x.port = lib.mkOption { default = 22; };\n\n  config = {\n    x.port = 2222;\n  };\n}\n');
/** Sets `x.port` with mkForce at line 2. */
const FORCED = file('forced.nix', '{ lib, ... }: {\n  x.port = lib.mkForce 22;\n}\n');
/** Sets it in two branches at lines 3 and 4. */
const BRANCHES = file('branches.nix', '{ lib, c, ... }: lib.mkMerge [\n  { }\n  (lib.mkIf c { x.port = 1; })\n  (lib.mkIf (!c) { x.port = 1; })\n]\n');
/** Lists an inline module that sets it at line 3. */
const LISTING = file('listing.nix', 'lib.evalModules {\n  modules = [\n    { x.port = 7; }\n  ];\n}\n');
/** Lists two inline modules that may set it, one of them conditionally, at lines 3 and 4. */
const TWO_INLINE = file('two-inline.nix', 'lib.evalModules {\n  modules = [\n    { x.port = 7; }\n    { config = lib.mkIf c { x.port = 7; }; }\n  ];\n}\n');
const MODULES_PATH = '/nix/store/00000000000000000000000000000000-source/nixos/modules';
const UPSTREAM = `${MODULES_PATH}/services/x.nix`;
const EXTERNAL = '/nix/store/11111111111111111111111111111111-input/x.nix';

const locator = new SourceLocator([dir]);
const shown = (path: string) => displayPath(path);

const def = (f: string, priority: number | null, more: Partial<RawDefinition> = {}): RawDefinition => ({ file: f, priority, definitionsInFile: 1, ...more });
const raw = (more: Partial<RawEvidence> = {}): RawEvidence => ({
  option: ['x', 'port'],
  subPath: [],
  isDefined: true,
  priority: 100,
  source: 'set',
  modulesPath: MODULES_PATH,
  declarations: [MODULE],
  declarationPositions: [{ file: MODULE, line: 3, column: 5 }],
  definitions: [def(MODULE, 100, { value: 2222 })],
  overridden: [],
  overriddenKnown: null,
  ...more,
});

describe('priorityName', () => {
  it('names the priorities lib gives names, and says mkOverride for the rest', () => {
    expect(priorityName(50)).toBe('mkForce');
    expect(priorityName(100)).toBe('normal');
    expect(priorityName(1000)).toBe('mkDefault');
    expect(priorityName(1500)).toBe('option default');
    expect(priorityName(10)).toBe('mkOverride 10');
    expect(priorityName(999)).toBe('mkOverride 999');
    expect(priorityName(null)).toBeUndefined();
    expect(priorityName(undefined)).toBeUndefined();
  });
});

describe('resolveEvidence', () => {
  it("a user's definition: its file and line, priority, declarations with their position", async () => {
    expect(await resolveEvidence(raw(), locator)).toEqual({
      option: 'x.port',
      isDefined: true,
      priority: 100,
      priorityName: 'normal',
      source: 'user',
      definitions: [{ file: MODULE, origin: 'user', localFile: shown(MODULE), line: 6, priority: 100 }],
      overridden: [],
      declarations: [{ file: MODULE, localFile: shown(MODULE), line: 3, column: 5 }],
    });
  });

  it('the declared default sits where the option is declared; a definition in the same file is found at its own line', async () => {
    const declared = await resolveEvidence(raw({ priority: 1500, source: 'default', definitions: [def(MODULE, 1500)] }), locator);
    expect(declared.definitions).toEqual([{ file: MODULE, origin: 'user', localFile: shown(MODULE), line: 3, priority: 1500 }]);
    expect(declared).toMatchObject({ source: 'default', priority: 1500, priorityName: 'option default' });
    // Any priority below the declared default is looked for in the text.
    const set = await resolveEvidence(raw({ definitions: [def(MODULE, 1499, { value: 2222 })] }), locator);
    expect(set.definitions[0]).toMatchObject({ priority: 1499 });
    expect(set.definitions[0]!.line).not.toBe(3);
  });

  it('the line agrees with the priority the module system reports', async () => {
    const forced = await resolveEvidence(raw({ priority: 50, definitions: [def(FORCED, 50, { value: 22 })] }), locator);
    expect(forced.definitions).toEqual([{ file: FORCED, origin: 'user', localFile: shown(FORCED), line: 2, priority: 50 }]);
    const wrong = await resolveEvidence(raw({ definitions: [def(FORCED, 100, { value: 22 })] }), locator);
    expect(wrong.definitions).toEqual([{ file: FORCED, origin: 'user', localFile: shown(FORCED), priority: 100 }]);
  });

  it('the line agrees with the value the module system reports', async () => {
    const other = await resolveEvidence(raw({ definitions: [def(MODULE, 100, { value: 1 })] }), locator);
    expect(other.definitions[0]).not.toHaveProperty('line');
    const unknown = await resolveEvidence(raw({ definitions: [def(MODULE, 100)] }), locator);
    expect(unknown.definitions[0]).toMatchObject({ line: 6 });
  });

  it("several branches: candidates, narrowed by the file's count of definitions", async () => {
    const two = await resolveEvidence(raw({ definitions: [def(BRANCHES, 100, { value: 1 })] }), locator);
    expect(two.definitions[0]).toEqual({ file: BRANCHES, origin: 'user', localFile: shown(BRANCHES), candidates: [3, 4], priority: 100 });
  });

  it('an inline module is looked for in the listing file, and placed there only when found', async () => {
    const inline = raw({ definitions: [def(INLINE_MODULE_FILE, 100, { value: 7, definitionsInFile: 5 })] });
    expect((await resolveEvidence(inline, locator, { listingFile: LISTING })).definitions).toEqual([
      { file: INLINE_MODULE_FILE, origin: 'inline', localFile: shown(LISTING), line: 3, priority: 100 },
    ]);
    const notThere = raw({ definitions: [def(INLINE_MODULE_FILE, 100, { value: 8 })] });
    expect((await resolveEvidence(notThere, locator, { listingFile: LISTING })).definitions).toEqual([{ file: INLINE_MODULE_FILE, origin: 'inline', priority: 100 }]);
    expect((await resolveEvidence(inline, locator)).definitions).toEqual([{ file: INLINE_MODULE_FILE, origin: 'inline', priority: 100 }]);
  });

  it("an inline module's count of definitions says nothing about the listing file's branches", async () => {
    // Counted for a file, one definition would rule out the conditional module; for inline modules it is no such count.
    const inline = raw({ definitions: [def(INLINE_MODULE_FILE, 100, { value: 7, definitionsInFile: 1 })] });
    expect((await resolveEvidence(inline, locator, { listingFile: TWO_INLINE })).definitions[0]).toEqual({ file: INLINE_MODULE_FILE, origin: 'inline', localFile: shown(TWO_INLINE), candidates: [3, 4], priority: 100 });
    const counted = raw({ definitions: [def(TWO_INLINE, 100, { value: 7, definitionsInFile: 1 })] });
    expect((await resolveEvidence(counted, locator)).definitions[0]).toMatchObject({ line: 3 });
  });

  it('a with: override has no file or line; a definition without priority shows none', async () => {
    const e = await resolveEvidence(raw({ priority: null, definitions: [def(WITH_MODULE_FILE, null, { value: 1 })] }), locator, { listingFile: LISTING });
    expect(e.definitions).toEqual([{ file: WITH_MODULE_FILE, origin: 'with' }]);
    expect(e).not.toHaveProperty('priority');
    expect(e).not.toHaveProperty('priorityName');
    expect(e.source).toBe('user');
  });

  it('whose: upstream only when every winning definition is upstream; unknown when some are neither upstream nor the user', async () => {
    const source = async (...files: string[]) => (await resolveEvidence(raw({ definitions: files.map((f) => def(f, 100)) }), locator)).source;
    expect(await source(UPSTREAM)).toBe('upstream');
    expect(await source(UPSTREAM, MODULE_SYSTEM_FILE)).toBe('upstream');
    expect(await source(UPSTREAM, EXTERNAL)).toBe('unknown');
    expect(await source(EXTERNAL)).toBe('unknown');
    expect(await source(UPSTREAM, MODULE)).toBe('user');
    expect(await source(EXTERNAL, INLINE_MODULE_FILE)).toBe('user');
    expect(await source(EXTERNAL, WITH_MODULE_FILE)).toBe('user');
    expect(await source()).toBe('unknown');
  });

  it("keeps the engine's source when it is not `set`", async () => {
    expect((await resolveEvidence(raw({ source: 'default', definitions: [def(UPSTREAM, 1500)] }), locator)).source).toBe('default');
    expect((await resolveEvidence(raw({ source: 'unknown' }), locator)).source).toBe('unknown');
  });

  it('a key below the option, what lost, and whether that is all of it', async () => {
    const e = await resolveEvidence(
      raw({
        option: ['boot', 'kernel', 'sysctl'],
        subPath: ['kernel.kptr_restrict'],
        definitions: [def(FORCED, 50)],
        overridden: [def(MODULE, 100)],
        overriddenKnown: false,
        declarations: [UPSTREAM],
        declarationPositions: [],
      }),
      locator,
    );
    expect(e).toMatchObject({ option: 'boot.kernel.sysctl', subPath: ['kernel.kptr_restrict'], overriddenKnown: false });
    expect(e.overridden).toEqual([{ file: MODULE, origin: 'user', localFile: shown(MODULE), priority: 100 }]);
    expect(e.declarations).toEqual([{ file: UPSTREAM }]);
    expect((await resolveEvidence(raw({ overriddenKnown: true }), locator)).overriddenKnown).toBe(true);
    expect(await resolveEvidence(raw(), locator)).not.toHaveProperty('subPath');
    expect(await resolveEvidence(raw(), locator)).not.toHaveProperty('overriddenKnown');
  });
});

const site = (more: Partial<DefinitionSite> = {}): DefinitionSite => ({ file: '/src/a.nix', origin: 'user', ...more });
const evidence = (more: Partial<Evidence> = {}): Evidence => ({ option: 'x', isDefined: true, source: 'user', definitions: [site({ line: 3, priority: 100 })], overridden: [], declarations: [], ...more });

describe('describeSite', () => {
  it('file, line and priority', () => {
    expect(describeSite(site({ localFile: 'a.nix', line: 3, priority: 50 }))).toBe('a.nix:3 (mkForce)');
    expect(describeSite(site({ line: 3 }))).toBe('/src/a.nix:3');
    expect(describeSite(site())).toBe('/src/a.nix');
  });

  it('candidate lines, in words', () => {
    expect(describeSite(site({ candidates: [4] }))).toBe('/src/a.nix, line 4');
    expect(describeSite(site({ candidates: [4, 9] }))).toBe('/src/a.nix, line 4 or 9');
    expect(describeSite(site({ candidates: [4, 9, 12], priority: 1000 }))).toBe('/src/a.nix, line 4, 9 or 12 (mkDefault)');
  });

  it('inline modules and with: overrides', () => {
    expect(describeSite(site({ file: INLINE_MODULE_FILE, origin: 'inline', localFile: 'flake.nix', line: 8, priority: 100 }))).toBe('inline module in flake.nix:8 (normal)');
    expect(describeSite(site({ file: 'mine', origin: 'inline' }))).toBe('inline module "mine"');
    expect(describeSite(site({ file: WITH_MODULE_FILE, origin: 'with', priority: 50 }))).toBe('with: override (mkForce)');
    expect(describeSite(site({ file: WITH_MODULE_FILE, origin: 'with', line: 3 }))).toBe('with: override');
  });
});

describe('describeDefinitions', () => {
  it("the user's definitions, and what they overrode", () => {
    expect(describeDefinitions(evidence())).toBe('/src/a.nix:3 (normal)');
    expect(describeDefinitions(evidence({ definitions: [site({ line: 3 }), site({ file: '/src/b.nix', line: 4 })] }))).toBe('/src/a.nix:3, /src/b.nix:4');
    expect(describeDefinitions(evidence({ overridden: [site({ file: '/src/b.nix', line: 7, priority: 1000 })], overriddenKnown: true }))).toBe('/src/a.nix:3 (normal); overriding /src/b.nix:7 (mkDefault)');
  });

  it('the declared default, with where it is declared when known', () => {
    expect(describeDefinitions(evidence({ source: 'default', definitions: [site({ localFile: 'm.nix', line: 3, priority: 1500 })] }))).toBe(
      'not set by any module: the declared default applies (declared at m.nix:3)',
    );
    expect(describeDefinitions(evidence({ source: 'default', definitions: [site({ line: 3 })] }))).toBe('not set by any module: the declared default applies (declared at /src/a.nix:3)');
    expect(describeDefinitions(evidence({ source: 'default', definitions: [site()] }))).toBe('not set by any module: the declared default applies');
  });

  it('upstream and unknown sources say so', () => {
    expect(describeDefinitions(evidence({ source: 'upstream' }))).toBe('NixOS default: set only by upstream modules (/src/a.nix:3 (normal))');
    expect(describeDefinitions(evidence({ source: 'upstream', overriddenKnown: false }))).toBe('NixOS default: set only by upstream modules (/src/a.nix:3 (normal)); what it overrides is unknown');
    expect(describeDefinitions(evidence({ source: 'unknown' }))).toBe('source unknown (/src/a.nix:3 (normal))');
    expect(describeDefinitions(evidence({ source: 'unknown', definitions: [] }))).toBe('source unknown');
  });
});

describe('describeOverridden', () => {
  it('says what lost, and when that may not be all', () => {
    const lost = [site({ line: 1 }), site({ file: '/src/b.nix', line: 2 })];
    expect(describeOverridden(evidence())).toBe('');
    expect(describeOverridden(evidence({ overriddenKnown: true }))).toBe('');
    expect(describeOverridden(evidence({ overridden: lost }))).toBe('; overriding /src/a.nix:1, /src/b.nix:2');
    expect(describeOverridden(evidence({ overridden: lost, overriddenKnown: false }))).toBe('; overriding /src/a.nix:1, /src/b.nix:2 and possibly more');
    expect(describeOverridden(evidence({ overriddenKnown: false }))).toBe('; what it overrides is unknown');
  });
});
