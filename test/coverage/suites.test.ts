import { beforeAll, describe, expect, it } from 'vitest';
import { computeCoverage, coverageGate, readsFromControls, readsFromSuites, type CoverageReport } from '../../src/coverage/index.js';
import { loadCatalogue } from '../../src/compliance/catalogue.js';
import { SourceLocator } from '../../src/evidence/source-locator.js';
import { resolveFlake } from '../../src/nix/flake-ref.js';
import { collectOptionInventory, type OptionInventory } from '../../src/nix/option-inventory.js';
import { loadSuite } from '../../src/suite/load-suite.js';
import { planSuites, type PlannedCase } from '../../src/suite/run-suites.js';
import { globFiles } from '../../src/util/glob.js';
import { REPO } from '../helpers/paths.js';
import { requireTool } from './helpers.js';

/**
 * The example suites (suites/unit/*.yaml) against the offline fixture: the numbers
 * documented in docs/coverage.md ("The example suites").
 */
describe('coverage of the example suites (real nix)', () => {
  let planned: PlannedCase[];
  let inventories: OptionInventory[];
  let report: CoverageReport;
  let locator: SourceLocator;

  beforeAll(async () => {
    requireTool('nix', ['--version']);
    expect(process.cwd()).toBe(REPO);
    const suites = await Promise.all((await globFiles('suites/unit/*.yaml', REPO)).map(loadSuite));
    const flake = resolveFlake('path:./fixtures/offline', REPO);
    planned = planSuites(suites, { flake, hostsAttr: 'nixosConfigurations' });
    const targets = [...new Map(planned.map((p) => [p.target.key, p.target])).values()];
    // file: targets import the imitation's nixos-options themselves (no modulesPath).
    inventories = await Promise.all(targets.map((t) => collectOptionInventory(t, { timeoutMs: 5_000, excludeFiles: ['nixos-options/**'] })));
    locator = new SourceLocator([flake.localDir!]);
    report = await computeCoverage({ inventories, reads: readsFromSuites(planned), include: ['kernelcore.**'], locator });
  });

  it('covers 11 of the 34 kernelcore options, all directly', () => {
    expect(inventories.map((i) => i.target).sort()).toEqual([
      'bare',
      'broken',
      'desktop',
      'fixtures/offline/eval-tests.nix#socEnterprise',
      'fixtures/offline/eval-tests.nix#socMinimal',
      'fixtures/offline/eval-tests.nix#ssh2fa',
      'fixtures/offline/lib-test.nix',
      'k3s-node',
      'laptop',
    ]);
    expect(report.totals).toEqual({ options: 34, covered: 11, direct: 11, prefixOnly: 0, percent: 32.35 });
    // lib-test.nix's inline test module is the user's: the read of services.openssh.ports matches its definition.
    expect(report.reads).toEqual({ total: 142, matched: 131 });
    expect(report.unreadDefinitions).toHaveLength(30);
    // Values the file targets' inline modules set are the user's, named as inline modules.
    const inline = report.unreadDefinitions.filter((d) => d.definitions.some((f) => f.file.startsWith('inline module')));
    expect(inline.map((d) => [d.option, d.definitions.map((f) => f.file)])).toEqual([
      ['kernelcore.security.ssh.allowGroups', ['inline module "lib-test.nix (test module)"']],
      ['kernelcore.security.ssh.enable2FA', ['inline module "lib-test.nix (test module)"']],
      ['kernelcore.soc.profile', ['fixtures/offline/hosts/laptop/default.nix', 'inline module']],
    ]);
  });

  it('per module file and namespace', () => {
    const files = Object.fromEntries(report.files.map((f) => [f.file.replace('fixtures/offline/', ''), [f.options, f.covered, f.percent]]));
    expect(files).toEqual({
      'hosts/broken/default.nix': [6, 6, 100],
      'modules/hardware/nvidia.nix': [6, 0, 0],
      'modules/network/dns-resolver.nix': [3, 1, 33.33],
      'modules/profiles/k8s-lab.nix': [2, 0, 0],
      'modules/security/audit.nix': [2, 0, 0],
      'modules/security/hardening.nix': [6, 0, 0],
      'modules/security/ssh.nix': [3, 1, 33.33],
      'modules/soc/soc.nix': [3, 2, 66.67],
      'modules/virtualization/vfio.nix': [3, 1, 33.33],
    });
    const ns = Object.fromEntries(report.namespaces.map((n) => [n.namespace, [n.options, n.covered]]));
    expect(ns).toEqual({
      'kernelcore.debug.*': [6, 6],
      'kernelcore.network.*': [3, 1],
      'kernelcore.nvidia.*': [6, 0],
      'kernelcore.profiles.*': [2, 0],
      'kernelcore.security.*': [11, 1],
      'kernelcore.soc.*': [3, 2],
      'kernelcore.virtualization.*': [3, 1],
    });
    expect(coverageGate(report, 30).pass).toBe(true);
    expect(coverageGate(report, 50).pass).toBe(false);
  });

  it('accepts the compliance catalogue as reads (controls read NixOS options, not kernelcore ones)', async () => {
    const catalogue = await loadCatalogue();
    const controlReads = readsFromControls(catalogue.controls);
    expect(controlReads.length).toBeGreaterThan(0);
    for (const r of controlReads) expect(r.where).toMatch(/^compliance\/controls\/[\w-]+\.yaml:\d+$/);
    const both = await computeCoverage({ inventories, reads: [...readsFromSuites(planned), ...controlReads], include: ['kernelcore.**'], locator });
    expect(both.totals.covered).toBe(report.totals.covered);
    expect(both.unreadDefinitions.length).toBeLessThan(report.unreadDefinitions.length);
  });
});
