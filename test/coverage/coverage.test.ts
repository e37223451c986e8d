import { beforeAll, describe, expect, it } from 'vitest';
import {
  computeCoverage,
  coverageGate,
  descriptionHits,
  docCoverageGate,
  formatCoverageTable,
  renderCobertura,
  hitKind,
  optionFilter,
  optionGlob,
  readsFromControls,
  readsFromSuites,
  renderLcov,
  type CoverageReport,
} from '../../src/coverage/index.js';
import { SourceLocator } from '../../src/evidence/source-locator.js';
import { collectOptionInventory, type OptionInventory } from '../../src/nix/option-inventory.js';
import { validatorFor } from '../../src/util/schemas.js';
import { OFFLINE_FLAKE } from '../helpers/paths.js';
import { HAND_READS, fileTarget, hostTarget, p, requireTool } from './helpers.js';

const F = 'fixtures/offline/modules';

describe('computeCoverage on the laptop inventory (real nix)', () => {
  let laptop: OptionInventory;
  let report: CoverageReport;
  const locator = new SourceLocator([OFFLINE_FLAKE]);

  beforeAll(async () => {
    requireTool('nix', ['--version']);
    expect(process.cwd()).toBe(new URL('../..', import.meta.url).pathname.replace(/\/$/, ''));
    laptop = await collectOptionInventory(hostTarget('laptop'), { timeoutMs: 60_000 });
    report = await computeCoverage({ inventories: [laptop], reads: HAND_READS, include: ['kernelcore.**'], locator, now: new Date('2025-01-01T00:00:00Z') });
  });

  it('gives the hand-computed totals', () => {
    expect(report.totals).toEqual({ options: 28, covered: 10, direct: 6, prefixOnly: 4, percent: 35.71 });
    expect(report.reads).toEqual({ total: 12, matched: 11 });
    expect(report.lineUnknown).toBe(0);
  });

  it('gives the hand-computed numbers per module file', () => {
    const files = Object.fromEntries(report.files.map((f) => [f.file, [f.options, f.covered, f.direct, f.prefixOnly, f.percent]]));
    expect(files).toEqual({
      [`${F}/hardware/nvidia.nix`]: [6, 3, 1, 2, 50],
      [`${F}/network/dns-resolver.nix`]: [3, 0, 0, 0, 0],
      [`${F}/profiles/k8s-lab.nix`]: [2, 0, 0, 0, 0],
      [`${F}/security/audit.nix`]: [2, 1, 1, 0, 50],
      [`${F}/security/hardening.nix`]: [6, 2, 2, 0, 33.33],
      [`${F}/security/ssh.nix`]: [3, 3, 1, 2, 100],
      [`${F}/soc/soc.nix`]: [3, 1, 1, 0, 33.33],
      [`${F}/virtualization/vfio.nix`]: [3, 0, 0, 0, 0],
    });
    const hardening = report.files.find((f) => f.file.endsWith('hardening.nix'))!;
    expect(hardening.uncovered).toEqual([
      'kernelcore.security.hardening.extraModprobeConfig',
      'kernelcore.security.nix.extraSubstituters',
      'kernelcore.security.aide.checkSchedule',
      'kernelcore.security.tls.mode',
    ]);
  });

  it('gives the hand-computed numbers per namespace', () => {
    const ns = Object.fromEntries(report.namespaces.map((n) => [n.namespace, [n.options, n.covered, n.direct, n.prefixOnly, n.percent]]));
    expect(ns).toEqual({
      'kernelcore.network.*': [3, 0, 0, 0, 0],
      'kernelcore.nvidia.*': [6, 3, 1, 2, 50],
      'kernelcore.profiles.*': [2, 0, 0, 0, 0],
      'kernelcore.security.*': [11, 6, 4, 2, 54.55],
      'kernelcore.soc.*': [3, 1, 1, 0, 33.33],
      'kernelcore.virtualization.*': [3, 0, 0, 0, 0],
    });
  });

  it('counts direct and prefix reads separately per option', () => {
    const o = (name: string) => report.options.find((x) => x.option === name)!;
    expect(o('kernelcore.nvidia.prime.offload')).toMatchObject({ direct: 1, prefix: 1, hits: 2, coveredBy: 'direct', line: 23, lineSource: 'declarationPositions' });
    expect(o('kernelcore.nvidia.prime.nvidiaBusId')).toMatchObject({ direct: 0, prefix: 1, hits: 1, coveredBy: 'prefix' });
    expect(o('kernelcore.security.ssh.enable')).toMatchObject({ direct: 1, prefix: 1, hits: 2, coveredBy: 'direct' });
    expect(o('kernelcore.security.ssh.enable2FA')).toMatchObject({ direct: 0, prefix: 1, coveredBy: 'prefix' });
    // a read below the option (an attrsOf key) is a direct read of it
    expect(o('kernelcore.security.hardening.extraSysctl')).toMatchObject({ direct: 1, prefix: 0 });
    expect(o('kernelcore.security.hardening.extraSysctl').reads[0]).toMatchObject({ path: 'kernelcore.security.hardening.extraSysctl."kernel.sysrq"', kind: 'direct' });
    // two cases read it; the duplicate from a second target is counted once
    expect(o('kernelcore.security.audit.enable')).toMatchObject({ direct: 2, prefix: 0, hits: 2 });
    expect(o('kernelcore.security.tls.mode')).toMatchObject({ direct: 0, prefix: 0, hits: 0, covered: false, coveredBy: null });
    expect(o('kernelcore.nvidia.prime.offload').targets).toEqual(['laptop']);
  });

  it('lists the values the user files set that no check reads', () => {
    const unread = new Map(report.unreadDefinitions.map((d) => [d.option, d]));
    expect(report.unreadDefinitions).toHaveLength(44);
    // read by the list: gone
    for (const read of ['boot.kernel.sysctl', 'services.openssh.settings', 'kernelcore.nvidia.prime.offload', 'kernelcore.soc.profile', 'kernelcore.security.hardening.enable']) {
      expect(unread.has(read), read).toBe(false);
    }
    // set by the host file, declared by the user's module
    expect(unread.get('kernelcore.nvidia.cudaSupport')).toEqual({
      option: 'kernelcore.nvidia.cudaSupport',
      loc: p('kernelcore.nvidia.cudaSupport'),
      declaredByUser: true,
      targets: ['laptop'],
      definitions: [{ file: 'fixtures/offline/hosts/laptop/default.nix', line: 11 }],
    });
    // declared by (the imitation of) NixOS, set by a user module
    expect(unread.get('services.openssh.enable')).toMatchObject({ declaredByUser: false, definitions: [{ file: `${F}/security/ssh.nix`, line: 25 }] });
    // the option's own default is no definition
    expect(unread.has('kernelcore.security.tls.mode')).toBe(false);
    expect(unread.has('kernelcore.nvidia.openKernelModule')).toBe(false);
    // exclude globs apply to this list, include globs do not
    return computeCoverage({ inventories: [laptop], reads: HAND_READS, include: ['kernelcore.**'], exclude: ['hardware.**', 'boot.**'], locator }).then((r) => {
      expect(r.unreadDefinitions.some((d) => d.option.startsWith('hardware.') || d.option.startsWith('boot.'))).toBe(false);
      expect(r.unreadDefinitions.length).toBe(44 - 8 - 4);
    });
  });

  it('validates against schemas/coverage.schema.json', () => {
    const validate = validatorFor('coverage');
    const ok = validate(JSON.parse(JSON.stringify(report)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('finds the same lines in the files when declarationPositions is missing (older lib)', async () => {
    const old: OptionInventory = { ...laptop, options: laptop.options.map((o) => ({ ...o, declarationPositions: null })) };
    const r = await computeCoverage({ inventories: [old], reads: HAND_READS, include: ['kernelcore.**'], locator });
    expect(r.options.every((o) => o.lineSource === 'search')).toBe(true);
    expect(r.options.map((o) => [o.option, o.line])).toEqual(report.options.map((o) => [o.option, o.line]));
  });

  it('marks options whose line cannot be found and says so in the reports', async () => {
    const ghost = {
      loc: p('kernelcore.ghost.enable'),
      declarations: [`${laptop.roots[0]}/modules/ghost.nix`],
      declarationPositions: null,
      files: [],
      highestPrio: 1500,
      filesKnown: true,
      subOption: false,
      description: true,
      example: false,
      userDeclarations: [`${laptop.roots[0]}/modules/ghost.nix`],
      userFiles: [],
    };
    const r = await computeCoverage({ inventories: [{ ...laptop, options: [...laptop.options, ghost] }], reads: HAND_READS, include: ['kernelcore.**'], locator });
    const o = r.options.find((x) => x.option === 'kernelcore.ghost.enable')!;
    expect(o).toMatchObject({ file: 'modules/ghost.nix', line: null, lineUnknown: true, lineSource: 'unknown' });
    expect(r.lineUnknown).toBe(1);
    expect(r.totals).toMatchObject({ options: 29, covered: 10 });
    const table = formatCoverageTable(r);
    expect(table).toContain('uncovered: kernelcore.ghost.enable (line unknown)');
    expect(table).toMatch(/1 option\(s\) have no known declaration line/);
    expect(renderLcov(r)).toContain('SF:modules/ghost.nix\nFN:0,kernelcore.ghost.enable\nFNDA:0,kernelcore.ghost.enable\nFNF:1\nFNH:0\nLF:0\nLH:0\nend_of_record');
  });

  it('prints a table per file and per namespace with the uncovered options', () => {
    const table = formatCoverageTable(report);
    expect(table).toMatch(/^Option coverage: 10\/28 options \(35\.71%\), 6 read directly, 4 only through a prefix/);
    expect(table).toMatch(/fixtures\/offline\/modules\/hardware\/nvidia\.nix\s+6\s+3\s+1\s+2\s+50\.00/);
    expect(table).toMatch(/kernelcore\.security\.\*\s+11\s+6\s+4\s+2\s+54\.55/);
    expect(table).toContain('    uncovered: kernelcore.nvidia.enable (line 9)');
    expect(table).toContain('Values your files set that no check reads (44):');
    expect(table).toMatch(/ {2}kernelcore\.nvidia\.cudaSupport {2}fixtures\/offline\/hosts\/laptop\/default\.nix:11/);
  });

  it('gates on the overall percentage', () => {
    expect(coverageGate(report, 35)).toMatchObject({ pass: true, percent: 35.71 });
    expect(coverageGate(report, 35.71).pass).toBe(true);
    const fail = coverageGate(report, 36);
    expect(fail).toMatchObject({ pass: false, percent: 35.71, minCoverage: 36 });
    expect(fail.message).toBe('option coverage 35.71% < minimum 36%');
  });

  it('merges the inventories of several hosts', async () => {
    const broken = await collectOptionInventory(hostTarget('broken'), { timeoutMs: 5_000 });
    const r = await computeCoverage({ inventories: [laptop, broken], reads: HAND_READS, include: ['kernelcore.**'], locator });
    expect(r.totals).toMatchObject({ options: 34, covered: 10 });
    expect(r.options.find((o) => o.option === 'kernelcore.soc.profile')!.targets).toEqual(['broken', 'laptop']);
    expect(r.options.find((o) => o.option === 'kernelcore.debug.fine')).toMatchObject({ targets: ['broken'], file: 'fixtures/offline/hosts/broken/default.nix', line: 40 });
    expect(r.targets.find((t) => t.label === 'broken')!.problems.map((x) => x.option).sort()).toEqual([
      'kernelcore.debug.aborting',
      'kernelcore.debug.recursive',
      'kernelcore.debug.slow',
    ]);
    expect(formatCoverageTable(r)).toMatch(/broken: kernelcore\.debug\.aborting skipped \(fatal\)/);
  });
});

describe('coverage without nix', () => {
  it('relates reads to options: direct at or below, prefix above', () => {
    expect(hitKind(p('a.b.c'), p('a.b.c'))).toBe('direct');
    expect(hitKind(['a', 'b', 'c', 'x.y'], p('a.b.c'))).toBe('direct');
    expect(hitKind(p('a.b'), p('a.b.c'))).toBe('prefix');
    expect(hitKind(p('a.x'), p('a.b.c'))).toBeUndefined();
    expect(hitKind([], p('a.b.c'))).toBeUndefined();
    expect(hitKind(p('users.users.alice.isNormalUser'), ['users', 'users', '<name>', 'isNormalUser'])).toBe('direct');
  });

  it('matches option path globs', () => {
    expect(optionGlob('kernelcore.**')(p('kernelcore.security.ssh.enable'))).toBe(true);
    expect(optionGlob('kernelcore.**')(p('services.openssh.enable'))).toBe(false);
    expect(optionGlob('*.nvidia.*')(p('kernelcore.nvidia.enable'))).toBe(true);
    expect(optionGlob('*.nvidia.*')(p('kernelcore.nvidia.prime.offload'))).toBe(false);
    expect(optionGlob('**.enable')(p('kernelcore.nvidia.enable'))).toBe(true);
    expect(optionGlob('kernelcore.security.*.en*')(p('kernelcore.security.ssh.enable2FA'))).toBe(true);
    expect(optionGlob('boot.kernel.sysctl."net.*"')(['boot', 'kernel', 'sysctl', 'net.ipv4.ip_forward'])).toBe(true);
    const filter = optionFilter(['kernelcore.**'], ['kernelcore.debug.**']);
    expect(filter(p('kernelcore.nvidia.enable'))).toBe(true);
    expect(filter(p('kernelcore.debug.fine'))).toBe(false);
    expect(optionFilter()(p('anything'))).toBe(true);
  });

  it('takes reads from planned suite cases', () => {
    const suite = { displayFile: 'suites/unit/laptop.yaml' };
    const planned = [
      { suite, case: { name: 'a', root: 'config' as const, path: ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'], location: { line: 12 } } },
      { suite, case: { name: 'b', root: 'attr' as const, path: p('options.services.openssh.enable.isDefined'), location: { line: 20 } } },
      { suite, case: { name: 'c', root: 'attr' as const, path: p('config.networking.hostName'), location: { line: 24 } } },
      { suite, case: { name: 'd', root: 'attr' as const, path: p('extendModules'), location: { line: 28 } } },
      { suite, case: { name: 'e', root: 'config' as const, path: p('services.foo.enable'), skip: 'later', location: { line: 30 } } },
    ];
    expect(readsFromSuites(planned)).toEqual([
      { path: ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'], by: 'suite', where: 'suites/unit/laptop.yaml:12', label: 'a' },
      { path: p('services.openssh.enable.isDefined'), by: 'suite', where: 'suites/unit/laptop.yaml:20', label: 'b' },
      { path: p('networking.hostName'), by: 'suite', where: 'suites/unit/laptop.yaml:24', label: 'c' },
    ]);
  });

  it('takes reads from compliance controls, appliesWhen and nested branches included', () => {
    const loc = (line: number) => ({ file: 'compliance/controls/access.yaml', line });
    const reads = readsFromControls([
      {
        id: 'ssh-root-login',
        location: loc(3),
        appliesWhen: [{ kind: 'path', path: 'services.openssh.enable', attrPath: p('services.openssh.enable'), location: loc(8) }],
        checks: [
          {
            kind: 'anyOf',
            anyOf: [
              { kind: 'path', path: 'services.openssh.settings.PermitRootLogin', location: loc(11) },
              { kind: 'allOf', allOf: [{ kind: 'path', path: 'boot.kernel.sysctl."kernel.kptr_restrict"' }] },
            ],
          },
        ],
      },
    ]);
    expect(reads).toEqual([
      { path: p('services.openssh.enable'), by: 'control', where: 'compliance/controls/access.yaml:8', label: 'ssh-root-login' },
      { path: p('services.openssh.settings.PermitRootLogin'), by: 'control', where: 'compliance/controls/access.yaml:11', label: 'ssh-root-login' },
      { path: ['boot', 'kernel', 'sysctl', 'kernel.kptr_restrict'], by: 'control', where: 'compliance/controls/access.yaml:3', label: 'ssh-root-login' },
    ]);
  });

  it('fails the gate when nothing was counted', async () => {
    const r = await computeCoverage({ inventories: [], reads: [], locator: new SourceLocator([]) });
    expect(r.totals.percent).toBeNull();
    expect(coverageGate(r, 0)).toMatchObject({ pass: false, percent: null });
  });
});

describe('sub-options and documentation coverage (lab/machines.nix, real nix)', () => {
  let report: CoverageReport;
  const where = 'suites/lab.yaml:1';

  beforeAll(async () => {
    const lab = await collectOptionInventory(fileTarget('lab/default.nix', []), { timeoutMs: 60_000 });
    const reads = [p('lab.machines.win11.vcpus'), p('lab.network')].map((path) => ({ path, by: 'suite' as const, where }));
    report = await computeCoverage({ inventories: [lab], reads, locator: new SourceLocator([OFFLINE_FLAKE]) });
  });

  it('counts the options inside submodules, a read of one machine covering the <name> option', () => {
    expect(validatorFor('coverage')(report)).toBe(true);
    const covered = report.options.filter((o) => o.covered).map((o) => [o.option, o.coveredBy]);
    // lab.machines.win11.vcpus: below lab.machines, and through <name> at lab.machines.<name>.vcpus;
    // lab.network: the option and, as a prefix, both options inside it.
    expect(covered.sort()).toEqual([
      ['lab.machines', 'direct'],
      ['lab.machines.<name>.vcpus', 'direct'],
      ['lab.network', 'direct'],
      ['lab.network.bridge', 'prefix'],
      ['lab.network.subnet', 'prefix'],
    ]);
    expect(report.totals).toEqual({ options: 11, covered: 5, direct: 3, prefixOnly: 2, percent: 45.45 });
    expect(report.options.find((o) => o.option === 'lab.users.*.login')).toMatchObject({ subOption: true, line: 67, file: 'fixtures/offline/lab/machines.nix' });
    // Two-segment options group under their first segment (namespaceOf).
    expect(report.namespaces.map((n) => n.namespace)).toEqual(['lab.*', 'lab.machines.*', 'lab.network.*', 'lab.users.*']);
  });

  it('lists and counts the options without a description and without an example', () => {
    // By hand from lab/machines.nix: 8 of 11 have a description, 3 an example.
    expect(report.documentation.totals).toEqual({ options: 11, described: 8, withExample: 3, percent: 72.73, examplePercent: 27.27 });
    expect(report.documentation.undescribed).toEqual(['lab.machines.<name>.autostart', 'lab.network.subnet', 'lab.users']);
    expect(report.documentation.withoutExample).toHaveLength(8);
    expect(report.documentation.withoutExample).not.toContain('lab.machines.<name>.memoryMiB');
    const table = formatCoverageTable(report);
    expect(table).toMatch(/^Documentation: 8\/11 options have a description \(72\.73%\), 3 an example \(27\.27%\)$/m);
    expect(table).toMatch(/^ {4}no description: lab\.machines\.<name>\.autostart$/m);
    expect(table).toMatch(/^ {4}no example: lab\.users$/m);
  });

  it('writes documentation coverage as lcov and Cobertura: an option counts when it has a description', () => {
    const lcov = renderLcov(report, descriptionHits);
    expect(lcov).toContain('FN:27,lab.machines.<name>.autostart\n');
    expect(lcov).toContain('FNDA:0,lab.machines.<name>.autostart\n');
    expect(lcov).toContain('FNDA:1,lab.machines.<name>.vcpus\n');
    expect(lcov).toContain('FNF:11\nFNH:8\n');
    expect(lcov).toContain('DA:57,0\n');
    const xml = renderCobertura(report, '0', descriptionHits);
    expect(xml).toMatch(/<coverage line-rate="0\.7273" branch-rate="0" lines-covered="8" lines-valid="11"/);
  });

  it('gates with --min-doc-coverage', () => {
    expect(docCoverageGate(report, 70)).toMatchObject({ pass: true, message: 'documentation coverage 72.73% >= minimum 70%' });
    expect(docCoverageGate(report, 80)).toMatchObject({ pass: false, message: 'documentation coverage 72.73% < minimum 80%' });
  });
});
