/**
 * Editors (VS Code with the YAML extension, Neovim/Helix with yaml-language-server)
 * validate and complete a YAML file through its first line:
 *   # yaml-language-server: $schema=<relative path to schemas/X.schema.json>
 * Every example file must carry the right one, and must validate against it (through
 * nixcheck's own loaders where they exist, so semantic checks run too).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { loadCatalogue } from '../../src/compliance/catalogue.js';
import { checkProfiles, loadProfiles } from '../../src/compliance/profiles.js';
import { runComply } from '../../src/compliance/run-comply.js';
import { loadWaivers } from '../../src/compliance/waivers.js';
import { loadSuite } from '../../src/suite/load-suite.js';
import { globFiles } from '../../src/util/glob.js';
import { validatorFor } from '../../src/util/schemas.js';
import { loadChaosSuite } from '../../src/vm/chaos/load.js';
import { loadIntegrationSuite } from '../../src/vm/integration/load.js';
import { OFFLINE_FLAKE, REPO, tempDir } from '../helpers/paths.js';

type Kind = 'suite' | 'integration' | 'chaos' | 'control' | 'profile' | 'waivers' | 'config';

const EXAMPLES: { glob: string; kind: Kind }[] = [
  { glob: 'suites/unit/*.yaml', kind: 'suite' },
  { glob: 'suites/nixos/*.yaml', kind: 'suite' },
  { glob: 'suites/integration/*.yaml', kind: 'integration' },
  { glob: 'suites/chaos/*.yaml', kind: 'chaos' },
  { glob: 'compliance/controls/*.yaml', kind: 'control' },
  { glob: 'compliance/profiles/*.yaml', kind: 'profile' },
  { glob: 'compliance/waivers.example.yaml', kind: 'waivers' },
  { glob: 'nixcheck.yaml', kind: 'config' },
];

const SCHEMA_COMMENT = /^# yaml-language-server: \$schema=(\S+)$/;

const files: { file: string; kind: Kind }[] = [];
for (const { glob, kind } of EXAMPLES) {
  const found = await globFiles(glob, REPO);
  for (const file of found) if (existsSync(file)) files.push({ file, kind });
}

async function loadWithLoader(file: string, kind: Kind): Promise<void> {
  switch (kind) {
    case 'suite':
      await loadSuite(file);
      return;
    case 'integration':
      await loadIntegrationSuite(file);
      return;
    case 'chaos':
      await loadChaosSuite(file);
      return;
    case 'control':
      // One file through the catalogue loader (schema, attribute paths, regexes, ids).
      await loadCatalogue({ builtin: false, dirs: [file] });
      return;
    case 'profile': {
      const catalogue = await loadCatalogue();
      const profiles = await loadProfiles({ builtin: false, dirs: [file] });
      checkProfiles(profiles, catalogue);
      return;
    }
    case 'waivers':
      await loadWaivers(file, await loadCatalogue());
      return;
    case 'config':
      await loadConfig(file);
      return;
  }
}

describe('example YAML files point editors at their schema', () => {
  it('finds every kind of example', () => {
    expect(new Set(files.map((f) => f.kind))).toEqual(new Set(EXAMPLES.map((e) => e.kind)));
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((f) => [relative(REPO, f.file), f] as const))('%s', async (_name, { file, kind }) => {
    const text = readFileSync(file, 'utf8');
    const first = text.split('\n')[0]!;
    const m = SCHEMA_COMMENT.exec(first);
    expect(m, `first line of ${relative(REPO, file)}: ${first}`).not.toBeNull();
    const schemaFile = resolve(dirname(file), m![1]!);
    expect(relative(REPO, schemaFile)).toBe(`schemas/${kind}.schema.json`);
    expect(existsSync(schemaFile)).toBe(true);
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { $id: string };
    expect(schema.$id).toBe(`https://nixcheck.dev/schemas/${kind}.schema.json`);

    const validate = validatorFor(kind);
    const ok = validate(parse(text));
    expect(ok, JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    await loadWithLoader(file, kind);
  });
});

describe('compliance/waivers.example.yaml', () => {
  it('waives real findings of the offline example flake', async () => {
    const result = await runComply({
      flake: OFFLINE_FLAKE,
      baseDir: REPO,
      hostsAttr: 'nixosConfigurations',
      hosts: ['k3s-node', 'desktop'],
      waiverFiles: [join(REPO, 'compliance/waivers.example.yaml')],
      today: '2026-01-01',
      jobs: 2,
      timeoutMs: 60_000,
      cacheDir: tempDir(),
    });
    const status = (controlId: string, host: string) => result.results.find((r) => r.controlId === controlId && r.host === host)?.status;
    expect(status('sysctl-ipv4-forwarding-disabled', 'k3s-node')).toBe('waived');
    expect(status('ssh-forwarding-disabled', 'desktop')).toBe('waived');
    expect(result.expiredWaivers).toEqual([]);
  });
});
