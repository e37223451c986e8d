import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitionOrigin } from '../../src/evidence/origin.js';
import { SourceLocator } from '../../src/evidence/source-locator.js';
import { INLINE_MODULE_FILE, MODULE_SYSTEM_FILE, WITH_MODULE_FILE } from '../../src/nix/module-files.js';
import { tempDir } from '../helpers/paths.js';

const root = tempDir();
mkdirSync(join(root, 'vendor'));
for (const f of ['host.nix', 'vendor/upstream.nix']) writeFileSync(join(root, f), '{ }');
const STORE = '/nix/store/00000000000000000000000000000000-source';
const MODULES_PATH = '/nix/store/11111111111111111111111111111111-source/nixos/modules';
const locator = new SourceLocator([root], [join(root, 'vendor/*.nix')]);

describe('definitionOrigin', () => {
  it("the module system's own names: with: overrides, its own module, inline modules", () => {
    expect(definitionOrigin(WITH_MODULE_FILE, MODULES_PATH, locator)).toEqual({ origin: 'with' });
    expect(definitionOrigin(MODULE_SYSTEM_FILE, MODULES_PATH, locator)).toEqual({ origin: 'upstream' });
    expect(definitionOrigin(INLINE_MODULE_FILE, MODULES_PATH, locator)).toEqual({ origin: 'inline' });
    expect(definitionOrigin('my-module', null, locator)).toEqual({ origin: 'inline' });
  });

  it("a store copy of the user's file maps back to it, and is the user's", () => {
    expect(definitionOrigin(`${STORE}/host.nix`, MODULES_PATH, locator)).toEqual({ origin: 'user', local: join(root, 'host.nix') });
    expect(definitionOrigin(join(root, 'host.nix'), null, locator)).toEqual({ origin: 'user', local: join(root, 'host.nix') });
  });

  it('files under modulesPath are upstream, with their local file when there is one', () => {
    expect(definitionOrigin(`${MODULES_PATH}/services/x.nix`, MODULES_PATH, locator)).toEqual({ origin: 'upstream' });
    expect(definitionOrigin(`${MODULES_PATH}/services/x.nix`, `${MODULES_PATH}/`, locator)).toEqual({ origin: 'upstream' });
    expect(definitionOrigin(join(root, 'host.nix'), root, locator)).toEqual({ origin: 'upstream', local: join(root, 'host.nix') });
    // A sibling whose name only starts like modulesPath is not under it.
    expect(definitionOrigin(`${MODULES_PATH}-extra/x.nix`, MODULES_PATH, locator)).toEqual({ origin: 'external' });
  });

  it('a local file matching an upstream glob is upstream', () => {
    expect(definitionOrigin(`${STORE}/vendor/upstream.nix`, null, locator)).toEqual({ origin: 'upstream', local: join(root, 'vendor/upstream.nix') });
  });

  it('a store path that maps to no local file is external: not known to be upstream', () => {
    expect(definitionOrigin(`${STORE}/elsewhere.nix`, MODULES_PATH, locator)).toEqual({ origin: 'external' });
    expect(definitionOrigin('/no/such/file.nix', null, locator)).toEqual({ origin: 'external' });
  });
});
