/**
 * `nixcheck init`: in a flake directory, find the hosts, evaluate a few meaningful values
 * per host through the engine (one batched evaluation per host), and write nixcheck.yaml,
 * a suite per host asserting today's values, and a GitHub workflow. Existing files are
 * kept unless `force`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';
import { dirname, join, relative, sep } from 'node:path';
import pLimit from 'p-limit';
import { CONFIG_FILE } from '../config/config.js';
import { resolveFlake, type ResolvedFlake } from '../nix/flake-ref.js';
import { Evaluator } from '../nix/evaluator.js';
import type { EvalItem, ItemOutcome } from '../nix/request.js';
import { parseAttrPath } from '../suite/attr-path.js';
import { listHosts } from '../target/list-hosts.js';
import { resolveTarget } from '../target/resolve-target.js';
import { InputError } from '../util/errors.js';
import { PACKAGE_ROOT, packagePath } from '../util/package-root.js';

export interface InitOptions {
  /** The flake directory (written into). */
  dir: string;
  hostsAttr?: string;
  /** Only these hosts. */
  hosts?: string[];
  force?: boolean;
  timeoutMs: number;
  cacheDir: string | null;
  jobs?: number;
  /** Also write .github/workflows/nixcheck.yml (default true). */
  workflow?: boolean;
}

export interface InitFile {
  /** Relative to the flake directory. */
  path: string;
  status: 'written' | 'rewritten' | 'kept';
}

export interface HostProbe {
  host: string;
  /** The cases written for it (path and value). */
  cases: { name: string; path: string; value: unknown }[];
  /** Why the host got no suite (it does not evaluate). */
  skipped?: string;
}

export interface InitReport {
  dir: string;
  hosts: HostProbe[];
  files: InitFile[];
}

export const SUITES_DIR = 'suites/unit';
export const WORKFLOW_FILE = '.github/workflows/nixcheck.yml';
export const WORKFLOW_RECIPE = 'recipes/github-actions.yml';

/** A value the generated suites pin: its path, a case name, and when it is worth asserting. */
interface Probe {
  path: string;
  name: (value: unknown) => string;
  /** Only when the SSH server is enabled. */
  needsSsh?: boolean;
}

const PROBES: Probe[] = [
  { path: 'networking.hostName', name: (v) => `host name is ${JSON.stringify(v)}` },
  { path: 'networking.firewall.enable', name: (v) => `firewall is ${v ? 'on' : 'off'}` },
  { path: 'services.openssh.enable', name: (v) => `SSH server is ${v ? 'enabled' : 'disabled'}` },
  { path: 'services.openssh.settings.PermitRootLogin', name: (v) => `SSH root login: ${JSON.stringify(v)}`, needsSsh: true },
  { path: 'services.openssh.settings.PasswordAuthentication', name: (v) => `SSH password logins ${v ? 'allowed' : 'refused'}`, needsSsh: true },
  { path: 'boot.kernel.sysctl."kernel.kptr_restrict"', name: (v) => `kernel pointers restricted at level ${JSON.stringify(v)}` },
  { path: 'security.auditd.enable', name: (v) => `auditd is ${v ? 'on' : 'off'}` },
];

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Evaluate the probes of one host in one batch; keep the values worth pinning. */
export async function probeHost(host: string, flake: ResolvedFlake, hostsAttr: string, evaluator: Evaluator): Promise<HostProbe> {
  const target = resolveTarget({ host }, { flake, hostsAttr });
  const items: EvalItem[] = PROBES.map((p) => ({ variant: { config: null, priority: 100 }, root: 'config', path: parseAttrPath(p.path), evidence: false }));
  const { outcomes } = await evaluator.evaluate(target.evalTarget, items);
  const failedTarget = outcomes.find((o): o is Extract<ItemOutcome, { status: 'error' }> => o.status === 'error' && o.reason === 'target');
  if (failedTarget) return { host, cases: [], skipped: `it does not evaluate: ${failedTarget.error.split('\n')[0]}` };
  const valueOf = (path: string) => {
    const o = outcomes[PROBES.findIndex((p) => p.path === path)]!;
    return o.status === 'value' && o.exists ? o.value : undefined;
  };
  const sshOn = valueOf('services.openssh.enable') === true;
  const cases: HostProbe['cases'] = [];
  PROBES.forEach((probe, i) => {
    const o = outcomes[i]!;
    if (o.status !== 'value' || !o.exists || !isScalar(o.value)) return;
    if (probe.needsSsh && !sshOn) return;
    cases.push({ name: probe.name(o.value), path: probe.path, value: o.value });
  });
  return { host, cases };
}

/** `$schema` comment target: the installed schema when it lies inside the project, else where `npm i -D nixcheck` puts it. */
export function schemaRef(fromFile: string, projectDir: string, schema: string): string {
  const installed = packagePath('schemas', `${schema}.schema.json`);
  const inside = !relative(projectDir, PACKAGE_ROOT).startsWith('..');
  const target = inside ? installed : join(projectDir, 'node_modules', 'nixcheck', 'schemas', `${schema}.schema.json`);
  return relative(dirname(fromFile), target).split(sep).join('/');
}

/** A YAML scalar for text: plain when that is unambiguous, else single- or double-quoted. */
export function yamlString(text: string): string {
  const plain = /^[A-Za-z_/][A-Za-z0-9_.\-/ ()]*$/.test(text) && !/ $/.test(text) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(text);
  if (plain) return text;
  if (!/['\n\r\t]/.test(text) && /^[\x20-\x7e]*$/.test(text)) return `'${text}'`;
  return JSON.stringify(text);
}

/** A JSON scalar is valid YAML (flow) as it is. */
const yamlValue = (v: unknown) => JSON.stringify(v);

export function renderHostSuite(probe: HostProbe, file: string, projectDir: string): string {
  const lines = [
    `# yaml-language-server: $schema=${schemaRef(file, projectDir, 'suite')}`,
    `# Generated by \`nixcheck init\` from what ${probe.host} evaluates to TODAY: every case`,
    '# passes on the first run. They pin the current values, right or wrong: review each',
    '# one, change an expectation where today\'s value is not what you want (the case then',
    '# fails until the configuration is fixed), and add your own. Format: docs/suite-format.md',
    '# of nixcheck.',
    `suite: ${yamlString(`${probe.host} baseline`)}`,
    'targets:',
    `  - host: ${yamlString(probe.host)}`,
    'cases:',
  ];
  for (const c of probe.cases) {
    lines.push(`  - name: ${yamlString(c.name)}`, `    path: ${yamlString(c.path)}`, `    equals: ${yamlValue(c.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderConfig(file: string, projectDir: string, hostsAttr: string): string {
  return [
    `# yaml-language-server: $schema=${schemaRef(file, projectDir, 'config')}`,
    '# Written by `nixcheck init`. Paths are relative to this file; flags override them.',
    'flake: .',
    'suites:',
    `  - ${SUITES_DIR}/*.yaml`,
    ...(hostsAttr !== 'nixosConfigurations' ? [`hostsAttr: ${yamlString(hostsAttr)}`] : []),
    'out: reports',
    '',
  ].join('\n');
}

export async function readWorkflowRecipe(): Promise<string> {
  return readFile(packagePath(WORKFLOW_RECIPE), 'utf8');
}

/** Host names as file names: keep letters, digits, `.`, `_`, `-`. */
export function suiteFileName(host: string): string {
  return `${host.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_')}.yaml`;
}

export async function initProject(options: InitOptions): Promise<InitReport> {
  const dir = options.dir;
  if (!existsSync(join(dir, 'flake.nix'))) throw new InputError(`no flake.nix in ${dir}: run \`nixcheck init\` in a flake directory or pass --flake DIR`);
  // A plain directory as `nix` sees it: a git work tree as git+file (tracked files), any
  // other directory as path: (every file). resolveFlake gives getFlake the directory and
  // Nix decides the same way.
  const flake = resolveFlake(dir, dir);
  const hostsAttr = options.hostsAttr ?? 'nixosConfigurations';
  const evaluator = new Evaluator({ timeoutMs: options.timeoutMs, cacheDir: options.cacheDir });
  const all = await listHosts(flake, hostsAttr, evaluator);
  const unknown = (options.hosts ?? []).filter((h) => !all.includes(h));
  if (unknown.length) throw new InputError(`no host ${unknown.join(', ')} in ${hostsAttr}; hosts: ${all.join(', ')}`);
  const hosts = options.hosts ?? all;
  if (hosts.length === 0) throw new InputError(`${hostsAttr} of ${flake.ref} is empty: nothing to test`);

  const limit = pLimit(Math.max(1, options.jobs ?? 2));
  const probes = await Promise.all(hosts.map((h) => limit(() => probeHost(h, flake, hostsAttr, evaluator))));

  const planned: { path: string; content: () => Promise<string> }[] = [
    { path: CONFIG_FILE, content: async () => renderConfig(join(dir, CONFIG_FILE), dir, hostsAttr) },
  ];
  for (const p of probes) {
    if (p.skipped || p.cases.length === 0) continue;
    const path = `${SUITES_DIR}/${suiteFileName(p.host)}`;
    planned.push({ path, content: async () => renderHostSuite(p, join(dir, path), dir) });
  }
  if (options.workflow !== false) planned.push({ path: WORKFLOW_FILE, content: readWorkflowRecipe });

  const files: InitFile[] = [];
  for (const f of planned) {
    const full = join(dir, f.path);
    const exists = existsSync(full);
    if (exists && !options.force) {
      files.push({ path: f.path, status: 'kept' });
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFileAtomic(full, await f.content());
    files.push({ path: f.path, status: exists ? 'rewritten' : 'written' });
  }
  return { dir, hosts: probes, files };
}

export function formatInitReport(report: InitReport): string {
  const lines: string[] = [];
  for (const h of report.hosts) {
    lines.push(h.skipped ? `${h.host}: no suite, ${h.skipped}` : `${h.host}: ${h.cases.length} cases (${h.cases.map((c) => c.path).join(', ')})`);
  }
  lines.push('');
  const changed = report.files.filter((f) => f.status !== 'kept');
  for (const f of report.files) {
    lines.push(f.status === 'kept' ? `kept      ${f.path} (exists; --force rewrites it)` : `${f.status.padEnd(9)} ${f.path}`);
  }
  lines.push('');
  if (changed.length === 0) lines.push('Nothing written: every file exists. Run with --force to rewrite them.');
  else {
    lines.push(
      'Next: run `npx nixcheck test` here: every generated case passes today. Review the',
      'generated expectations, then commit the files. The workflow also runs the compliance',
      'gate (`nixcheck comply --profile cis-l1-server --fail-on high`), which fails the job',
      'while a high or critical control fails: see the compliance report first.',
    );
  }
  return `${lines.join('\n')}\n`;
}
