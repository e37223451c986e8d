/**
 * `nixcheck init`: in a flake directory, find the hosts, evaluate a few meaningful values
 * per host through the engine (one batched evaluation per host), and write nixcheck.yaml,
 * a suite per host asserting today's values, the schemas editors read for them, and a
 * GitHub workflow that runs a pinned nixcheck. Existing files are kept unless `force`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import { CONFIG_FILE } from '../config/config.js';
import { resolveFlake, type ResolvedFlake } from '../nix/flake-ref.js';
import { Evaluator } from '../nix/evaluator.js';
import type { EvalItem, ItemOutcome } from '../nix/request.js';
import { parseAttrPath } from '../suite/attr-path.js';
import { listHosts } from '../target/list-hosts.js';
import { resolveTarget } from '../target/resolve-target.js';
import { InputError } from '../util/errors.js';
import { editorSchemaFiles, schemaRef } from './editor-schemas.js';
import { findPin, type NixcheckPin } from './pin.js';
import { suiteFileNames } from './suite-file-names.js';
import { readWorkflowRecipe, renderWorkflow } from './workflow.js';

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
  /** The workflow runs nixcheck from this flake reference (it must name a commit). */
  nixcheckFlake?: string;
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
  /** The workflow: not asked for (--no-workflow), or the pinned nixcheck it runs, or none found. */
  workflow: { asked: false } | { asked: true; pin: NixcheckPin | null };
}

export const SUITES_DIR = 'suites/unit';
export const WORKFLOW_FILE = '.github/workflows/nixcheck.yml';

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

export async function initProject(options: InitOptions): Promise<InitReport> {
  const dir = options.dir;
  if (!existsSync(join(dir, 'flake.nix'))) throw new InputError(`no flake.nix in ${dir}: run \`nixcheck init\` in a flake directory or pass --flake DIR`);
  // A plain directory as `nix` sees it: a git work tree as git+file (tracked files), any
  // other directory as path: (every file); see resolveFlake.
  const flake = resolveFlake(dir, dir);
  const hostsAttr = options.hostsAttr ?? 'nixosConfigurations';
  const evaluator = new Evaluator({ timeoutMs: options.timeoutMs, cacheDir: options.cacheDir });
  const all = await listHosts(flake, hostsAttr, evaluator);
  const unknown = (options.hosts ?? []).filter((h) => !all.includes(h));
  if (unknown.length) throw new InputError(`no host ${unknown.join(', ')} in ${hostsAttr}; hosts: ${all.join(', ')}`);
  const hosts = options.hosts ?? all;
  if (hosts.length === 0) throw new InputError(`${hostsAttr} of ${flake.ref} is empty: nothing to test`);

  const asked = options.workflow !== false;
  const pin = asked ? ((await findPin(dir, options.nixcheckFlake)) ?? null) : null;

  const limit = pLimit(Math.max(1, options.jobs ?? 2));
  const probes = await Promise.all(hosts.map((h) => limit(() => probeHost(h, flake, hostsAttr, evaluator))));

  // Schemas are nixcheck's own files, not the user's: always brought up to date.
  const planned: { path: string; content: () => Promise<string>; owned?: boolean }[] = (await editorSchemaFiles(['config', 'suite'])).map((f) => ({
    path: f.path,
    content: async () => f.content,
    owned: true,
  }));
  planned.push({ path: CONFIG_FILE, content: async () => renderConfig(join(dir, CONFIG_FILE), dir, hostsAttr) });
  const fileNames = suiteFileNames(probes.map((p) => p.host));
  for (const p of probes) {
    if (p.skipped || p.cases.length === 0) continue;
    const path = `${SUITES_DIR}/${fileNames.get(p.host)!}`;
    planned.push({ path, content: async () => renderHostSuite(p, join(dir, path), dir) });
  }
  if (pin) planned.push({ path: WORKFLOW_FILE, content: async () => renderWorkflow(await readWorkflowRecipe(), pin) });

  const files: InitFile[] = [];
  for (const f of planned) {
    const full = join(dir, f.path);
    const exists = existsSync(full);
    const content = await f.content();
    if (exists && f.owned && (await readFile(full, 'utf8')) === content) {
      files.push({ path: f.path, status: 'kept' });
      continue;
    }
    if (exists && !options.force && !f.owned) {
      files.push({ path: f.path, status: 'kept' });
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFileAtomic(full, content);
    files.push({ path: f.path, status: exists ? 'rewritten' : 'written' });
  }
  return { dir, hosts: probes, files, workflow: asked ? { asked, pin } : { asked } };
}

export function formatInitReport(report: InitReport): string {
  const lines: string[] = [];
  for (const h of report.hosts) {
    lines.push(h.skipped ? `${h.host}: no suite, ${h.skipped}` : `${h.host}: ${h.cases.length} cases (${h.cases.map((c) => c.path).join(', ')})`);
  }
  lines.push('');
  const changed = report.files.filter((f) => f.status !== 'kept');
  for (const f of report.files) {
    lines.push(f.status === 'kept' ? `kept      ${f.path} (${f.path.startsWith('.nixcheck/') ? 'up to date' : 'exists; --force rewrites it'})` : `${f.status.padEnd(9)} ${f.path}`);
  }
  lines.push('');
  if (report.workflow.asked && !report.workflow.pin) {
    lines.push(
      `No ${WORKFLOW_FILE} written: nothing pins the nixcheck that CI would run, and CI must`,
      'never run a package looked up by name. Pin it one of these ways, then run `nixcheck init` again:',
      '  - package.json: `npm install -D <nixcheck git URL>#<tag>` (package-lock.json pins the commit);',
      '  - flake.nix: an input `nixcheck.url = "<nixcheck flake>";`, then `nix flake lock`;',
      '  - `--nixcheck-flake <reference naming a commit>`, e.g. github:OWNER/nixcheck/<40-hex rev>.',
      '',
    );
  }
  if (changed.length === 0) lines.push('Nothing written: every file exists. Run with --force to rewrite them.');
  else {
    lines.push(
      'Next: run `nixcheck test` here: every generated case passes today. Review the generated',
      'expectations, then commit the files (.nixcheck/schemas too: editors validate the YAML files with them).',
    );
    if (report.files.some((f) => f.path === WORKFLOW_FILE && f.status !== 'kept')) {
      lines.push(
        'The workflow also runs the compliance gate (`nixcheck comply --profile cis-l1-server',
        '--fail-on high`), which fails the job while a high or critical control fails: see the',
        'compliance report first.',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
