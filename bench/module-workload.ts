/**
 * The module-author workload of the benchmark: a directory of suites, one per module
 * list, built from fixtures/module-author's modules (evaluated with the offline fixture's
 * lib) and a generated test configuration per list, three checks per list, a third or
 * more of them expecting an error. Also: the same checks the way shell-script suites run
 * them, one `nix-instantiate --eval` per check and a regex on its output.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { isDeepStrictEqual } from 'node:util';

export interface Check {
  name: string;
  modules: string[];
  specialArgs?: Record<string, unknown>;
  path: string;
  expect: { equals: unknown } | { throws: string };
}

export interface Workload {
  dir: string;
  suiteGlob: string;
  lib: string;
  checks: Check[];
  lists: number;
  expectedErrors: number;
}

interface Settings {
  port: number;
  privileged: boolean;
  mode: 'http' | 'https';
  certificate: string | null;
  workers: number;
  guard: 'absent' | 'off' | 'on';
  /** Guard settings without the guard module: every read fails ("does not exist"). */
  stray: boolean;
  site: 'absent' | 'given' | 'missing';
}

const PORTS = [8080, 80, 443, 8443, 70000, 3000];

function settingsFor(i: number): Settings {
  return {
    port: PORTS[i % PORTS.length]! + (PORTS[i % PORTS.length] === 3000 ? i : 0),
    privileged: i % 7 === 0,
    mode: i % 4 === 0 ? 'https' : 'http',
    certificate: i % 8 === 0 ? `/run/keys/web-${i}.pem` : null,
    workers: i % 9 === 0 ? 0 : 1 + (i % 4),
    guard: i % 2 === 0 ? (i % 3 === 0 ? 'off' : 'on') : 'absent',
    stray: i % 2 === 1 && i % 11 === 0,
    site: i % 5 === 0 ? (i % 10 === 5 ? 'missing' : 'given') : 'absent',
  };
}

/** What the modules make of the settings: the value at each path, or the error it throws. */
function expected(s: Settings): Record<string, { equals: unknown } | { throws: string }> {
  const broken = s.stray ? { throws: 'The option `networking.guard.enable\' does not exist' } : undefined;
  const badPort = s.port > 65535 ? { throws: 'is not of type `16 bit unsigned integer' } : undefined;
  const listen =
    broken ??
    badPort ??
    (s.port < 1024 && !s.privileged
      ? { throws: `port ${s.port} needs privileged = true` }
      : s.mode === 'https' && s.certificate === null
        ? { throws: 'https needs a certificate' }
        : s.workers < 1
          ? { throws: `workers must be at least 1, not ${s.workers}` }
          : { equals: `${s.mode}://0.0.0.0:${s.port}` });
  const out: Record<string, { equals: unknown } | { throws: string }> = {
    'services.web.listen': listen,
    'services.web.port': broken ?? badPort ?? { equals: s.port },
  };
  if (s.site !== 'absent') out['site.name'] = broken ?? (s.site === 'missing' ? { throws: "attribute 'site' missing" } : { equals: 'shop' });
  else if (s.guard !== 'absent') out['networking.guard.allowedPorts'] = broken ?? (s.guard === 'on' ? (badPort ?? { equals: [s.port] }) : { equals: [] });
  else out['services.web.workers'] = broken ?? { equals: s.workers };
  return out;
}

function testModule(s: Settings): string {
  const guard = s.guard === 'absent' && !s.stray ? '' : `\n  networking.guard.enable = ${s.guard === 'on' || s.stray};`;
  return `# Generated test configuration.\n{\n  services.web = { enable = true; port = ${s.port}; privileged = ${s.privileged}; mode = "${s.mode}"; certificate = ${s.certificate === null ? 'null' : JSON.stringify(s.certificate)}; workers = ${s.workers}; };${guard}\n}\n`;
}

/**
 * At least `checks` checks over checks/3 module lists. Every 13th check expects a wrong
 * value or message (a failure both ways must agree on), every 17th a value where the
 * module throws (an error verdict).
 */
export function writeModuleWorkload(repo: string, dir: string, checks: number): Workload {
  cpSync(join(repo, 'fixtures', 'module-author', 'modules'), join(dir, 'modules'), { recursive: true });
  const lib = join(dir, 'lib');
  cpSync(join(repo, 'fixtures', 'offline', 'lib'), lib, { recursive: true });
  mkdirSync(join(dir, 'tests'));
  mkdirSync(join(dir, 'suites'));
  const all: Check[] = [];
  let expectedErrors = 0;
  let lists = 0;
  for (let i = 0; all.length < checks; i++, lists++) {
    const s = settingsFor(i);
    const test = join(dir, 'tests', `case-${i}.nix`);
    writeFileSync(test, testModule(s));
    const modules = [
      join(dir, 'modules', 'web.nix'),
      ...(s.guard !== 'absent' ? [join(dir, 'modules', 'guard.nix')] : []),
      ...(s.site !== 'absent' ? [join(dir, 'modules', 'site.nix')] : []),
      test,
    ];
    const specialArgs = s.site === 'given' ? { site: { name: 'shop', owners: ['ops'] } } : undefined;
    const cases: string[] = [];
    for (const [path, truth] of Object.entries(expected(s))) {
      const n = all.length;
      let expect = truth;
      if (n % 13 === 12) expect = 'equals' in truth ? { equals: 'not this' } : { throws: 'not this message' };
      else if (n % 17 === 16 && 'throws' in truth) expect = { equals: 'a value' };
      if ('throws' in expect) expectedErrors++;
      const name = `list ${i}: ${path} (check ${n})`;
      all.push({ name, modules, ...(specialArgs ? { specialArgs } : {}), path, expect });
      cases.push(`  - name: ${JSON.stringify(name)}\n    path: ${path}\n    ${'throws' in expect ? `throws: ${JSON.stringify(escapeRegex(expect.throws))}` : `equals: ${JSON.stringify(expect.equals)}`}`);
    }
    const target = `  - modules: [ ${modules.map((m) => JSON.stringify(m)).join(', ')} ]\n    lib: ${JSON.stringify(lib)}${specialArgs ? `\n    specialArgs: ${JSON.stringify(specialArgs)}` : ''}`;
    writeFileSync(join(dir, 'suites', `list-${i}.yaml`), `targets:\n${target}\ncases:\n${cases.join('\n')}\n`);
  }
  return { dir, suiteGlob: join(dir, 'suites', '*.yaml'), lib, checks: all, lists, expectedErrors };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A Nix literal for JSON data made of names, numbers and lists (all the workload uses). */
function nixLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[ ${value.map(nixLiteral).join(' ')} ]`;
  if (value !== null && typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k} = ${nixLiteral(v)};`).join(' ')} }`;
  return JSON.stringify(value);
}

/**
 * One check the way a shell-script suite runs it: `nix-instantiate --eval --strict
 * --json -E '<evalModules ...>' -A config.<path>`, then compare stdout as JSON, or match
 * the expected error with a regex on stderr. Verdicts as nixcheck's: pass, fail, error.
 */
export async function runCheckInOwnProcess(check: Check, lib: string): Promise<'pass' | 'fail' | 'error'> {
  const expr = `(import ${lib}).evalModules { modules = [ ${check.modules.join(' ')} ];${check.specialArgs ? ` specialArgs = ${nixLiteral(check.specialArgs)};` : ''} }`;
  const r = await execa('nix-instantiate', ['--eval', '--strict', '--json', '-E', expr, '-A', `config.${check.path}`], { reject: false });
  if ('throws' in check.expect) return r.exitCode !== 0 && new RegExp(escapeRegex(check.expect.throws)).test(String(r.stderr)) ? 'pass' : 'fail';
  if (r.exitCode !== 0) return 'error';
  return isDeepStrictEqual(JSON.parse(String(r.stdout)), check.expect.equals) ? 'pass' : 'fail';
}
