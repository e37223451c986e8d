/**
 * Evidence and values on fixtures/offline/evidence (small lib.evalModules results where
 * the imitation behaves as nixpkgs' lib does: fixtures/offline/README.md). Expected
 * lines are found by reading the fixture files, never taken from nixcheck's output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeDefinitions } from '../../src/evidence/evidence.js';
import type { CaseResult, RunResult } from '../../src/result/model.js';
import { runTests } from '../../src/run/test-run.js';
import { validatorFor } from '../../src/util/schemas.js';
import { REPO } from '../helpers/paths.js';

const DIR = 'fixtures/offline/evidence';

/** 1-based line of the only line of a fixture file that contains `text`. */
function lineOf(file: string, text: string): number {
  const lines = readFileSync(join(REPO, DIR, file), 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`${file}: ${hits.length} lines contain ${text}`);
  return hits[0]!;
}

describe('evidence on the module-system fixtures (real nix)', () => {
  let result: RunResult;
  const find = (name: string): CaseResult => {
    const c = result.cases.find((x) => x.name === name);
    if (!c) throw new Error(`no case ${name}`);
    return c;
  };

  beforeAll(async () => {
    result = await runTests({
      baseDir: REPO,
      suites: [`${DIR}/evidence.yaml`],
      hostsAttr: 'nixosConfigurations',
      jobs: 2,
      timeoutMs: 60_000,
      cacheDir: null,
      outDir: '',
      reporters: [],
    });
  }, 120_000);

  it('passes every case but the deliberate finding, in a results.json valid against its schema', () => {
    const failing = result.cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.verdict} ${c.name}`);
    expect(failing).toEqual(result.cases.filter((c) => c.name.startsWith('finding:')).map((c) => `fail ${c.name}`));
    expect(failing).toHaveLength(5);
    expect(validatorFor('results')(result)).toBe(true);
  });

  it('calls an inline module an inline module, and a with: value a with: override, never a NixOS default', () => {
    const inline = find("an inline module's definition");
    expect(inline.evidence).toMatchObject({ source: 'user', definitions: [{ file: '<unknown-file>', origin: 'inline', priority: 100 }] });
    const line = lineOf('inline.nix', 'foo.enable = true');
    expect(describeDefinitions(inline.evidence!)).toBe(`inline module in ${DIR}/inline.nix:${line} (normal)`);

    const forced = find('finding: a with override over an inline module');
    // Below the inline module, which cannot be taken out, more may have lost.
    expect(describeDefinitions(forced.evidence!)).toBe(`with: override (mkForce); overriding inline module in ${DIR}/inline.nix:${line} (normal) and possibly more`);
    expect(forced.evidence!.definitions[0]).toMatchObject({ origin: 'with' });

    const port = find('a with override over the declared default');
    expect(port.evidence).toMatchObject({ source: 'user', overridden: [] });
    expect(describeDefinitions(port.evidence!)).toBe('with: override (normal)');
  });

  it('reports what lost a whole option, and says so when it cannot know', () => {
    const x = find('finding: a whole option forced over another module');
    expect(describeDefinitions(x.evidence!)).toBe(
      `${DIR}/losers/b.nix:${lineOf('losers/b.nix', 'x = lib.mkForce false')} (mkForce); overriding ${DIR}/losers/a.nix:${lineOf('losers/a.nix', 'x = true')} (normal)`,
    );
    const y = find('finding: a whole option forced by an inline module');
    expect(y.evidence).toMatchObject({ overridden: [], overriddenKnown: false });
    expect(describeDefinitions(y.evidence!)).toBe(`inline module in ${DIR}/losers/default.nix:${lineOf('losers/default.nix', 'y = lib.mkForce 2')} (mkForce); what it overrides is unknown`);
    // A passing value's report does not explain it: what it overrode is not looked for.
    const passing = find('a passing whole option').evidence!;
    expect(passing.overridden).toEqual([]);
    expect(passing.overriddenKnown).toBeUndefined();
  });

  it('finds lines through longer paths, config. prefixes and nested blocks', () => {
    const at = (name: string) => find(name).evidence!.definitions.map((d) => `${d.localFile}:${d.line}`);
    expect(at('an option set through a longer attribute path')).toEqual([`${DIR}/lines/ssh.nix:${lineOf('lines/ssh.nix', 'settings.PermitRootLogin')}`]);
    expect(at('a key set with a config. prefix')).toEqual([`${DIR}/lines/sysctl.nix:${lineOf('lines/sysctl.nix', 'config.boot.kernel.sysctl')}`]);
    expect(at('a key set in nested blocks')).toEqual([`${DIR}/lines/nested.nix:${lineOf('lines/nested.nix', 'kernel.kptr_restrict')}`]);
    expect(at('a key next to a branch that is not taken')).toEqual([`${DIR}/lines/extra.nix:${lineOf('lines/extra.nix', 'kernel.sysrq')}`]);
  });

  it('picks the occurrence whose priority and value won, and lists candidates when it cannot tell', () => {
    const k = find('finding: the winning branch, not the mkDefault one').evidence!;
    expect(k.definitions).toEqual([expect.objectContaining({ line: lineOf('lines/branches.nix', 's."k" = 2'), priority: 100 })]);
    expect(k.overridden).toEqual([expect.objectContaining({ line: lineOf('lines/branches.nix', 's."k" = lib.mkDefault 1'), priority: 1000 })]);
    const d = find('the taken branch, not the other one').evidence!;
    expect(d.definitions).toEqual([expect.objectContaining({ line: lineOf('lines/branches.nix', 's."d" = 1') })]);
    const e = find('two branches that set the same').evidence!;
    const both = readFileSync(join(REPO, DIR, 'lines/branches.nix'), 'utf8').split('\n').flatMap((l, i) => (l.includes('s."e" = 3') ? [i + 1] : []));
    expect(both).toHaveLength(2);
    for (const site of e.definitions) {
      expect(site.line).toBeUndefined();
      expect(site.candidates).toEqual(both);
    }
    expect(describeDefinitions(e)).toContain(`${DIR}/lines/branches.nix, line ${both[0]} or ${both[1]} (normal)`);
  });

  it("reads a submodule's sub-options where the module system keeps them", () => {
    const alice = find('a submodule entry written as a function').evidence!;
    expect(alice).toMatchObject({ option: 'users.alice.isNormalUser', source: 'user', priority: 100 });
    expect(alice.definitions).toEqual([expect.objectContaining({ localFile: `${DIR}/submodules/host.nix`, line: lineOf('submodules/host.nix', 'isNormalUser = true') })]);
    const port = find('a sub-option at its default').evidence!;
    expect(port).toMatchObject({ option: 'svc.port', source: 'default', priority: 1500 });
    expect(port.declarations).toEqual([expect.objectContaining({ localFile: `${DIR}/submodules/decl.nix`, line: lineOf('submodules/decl.nix', 'options.port') })]);
  });

  it('indexes lists with bare numbers and keeps "0" an attribute name', () => {
    expect(find('a list element').actual).toBe('second');
    expect(find('a list element past the end').exists).toBe(false);
    expect(find('a quoted number names an attribute, which a list does not have').exists).toBe(false);
    expect(find('a bare number on an attribute set names the attribute').actual).toBe('zero');
    expect(find('a list element').evidence).toMatchObject({ option: 'files', subPath: [1], source: 'user' });
  });

  it('gives a path value as the path it is, typed path', () => {
    const source = find('a path value');
    expect(source.actual).toBe(join(REPO, DIR, 'values.nix'));
    expect(source.actualType).toBe('path');
  });

  it("matches throws: against the trace's context, keeps that text in the result, and leaves out code excerpts", () => {
    const port = find('the module system\'s context of an error');
    expect(port.error).not.toMatch(/while evaluating the option/);
    expect(port.errorTrace).toMatch(/while evaluating the option `port'/);
    expect(port.errorTrace).not.toMatch(/\|/);
    expect(port.errorTrace).not.toMatch(/src\/nix\/engine\.nix/);
    expect(find('finding: code shown around an error is not the error').message).toBe('the error does not match /addErrorContext/');
  });

  it('collects the trace only where the message does not decide (it costs Nix 2.8 ~170 ms an error)', () => {
    const decided = find('an error its message alone decides');
    expect(decided.verdict).toBe('pass');
    expect(decided.error).toMatch(/is not of type/);
    expect(decided.errorTrace).toBeUndefined();
    expect(find('finding: code shown around an error is not the error').errorTrace).toMatch(/while evaluating the option `port'/);
  });
});
