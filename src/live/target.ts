/**
 * Live targets (`comply --target`): a running machine whose runtime checks nixcheck runs
 * through the user's own OpenSSH client (`ssh://[user@]host[:port]`) or on this machine
 * (`local`), optionally named after the flake host it should match
 * (`laptop=ssh://root@10.0.0.5`), so that its results merge with that host's static ones.
 */
import { InputError } from '../util/errors.js';

interface TargetBase {
  /** The target as written, without the host name: `ssh://root@10.0.0.5`, `local`. */
  label: string;
  /** The flake host whose static verdicts it is compared with. */
  host?: string;
}

export type LiveTarget =
  | (TargetBase & { kind: 'local' })
  | (TargetBase & { kind: 'ssh'; destination: string; user?: string; port?: number });

const EXPECTED = 'expected ssh://[user@]host[:port] or local, optionally after HOST= (the flake host it is compared with)';

export function parseLiveTarget(spec: string): LiveTarget {
  const named = /^([^=:/\s]+)=(.*)$/.exec(spec);
  const host = named?.[1];
  const label = named ? named[2]! : spec;
  const base = { label, ...(host ? { host } : {}) };
  if (label === 'local') return { ...base, kind: 'local' };
  if (!label.startsWith('ssh://')) throw new InputError(`--target ${JSON.stringify(spec)}: ${EXPECTED}`);
  let url: URL;
  try {
    url = new URL(label);
  } catch {
    throw new InputError(`--target ${JSON.stringify(spec)}: not a valid URL; ${EXPECTED}`);
  }
  if (url.password) throw new InputError(`--target ${JSON.stringify(spec)}: no passwords in the URL; ssh authenticates with your keys or agent`);
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash || !url.hostname) {
    throw new InputError(`--target ${JSON.stringify(spec)}: ${EXPECTED}`);
  }
  const destination = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (destination.startsWith('-')) throw new InputError(`--target ${JSON.stringify(spec)}: a host name cannot start with "-"`);
  return {
    ...base,
    kind: 'ssh',
    destination,
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
    ...(url.port ? { port: Number(url.port) } : {}),
  };
}

/**
 * Which flake host each target is compared with: the one it names (`HOST=`); else, with a
 * single `--host` and a single target, that host; else the `--host` whose name is the ssh
 * destination. Without `--host`, an unnamed target stands alone (runtime checks only).
 */
export function pairTargets(targets: readonly LiveTarget[], hosts: readonly string[] | undefined): LiveTarget[] {
  const paired = targets.map((t): LiveTarget => {
    if (t.host || !hosts?.length) return t;
    if (hosts.length === 1 && targets.length === 1) return { ...t, host: hosts[0]! };
    const byName = t.kind === 'ssh' && hosts.includes(t.destination) ? t.destination : undefined;
    if (byName) return { ...t, host: byName };
    throw new InputError(`--target ${t.label}: which --host is it? Name it: --target HOST=${t.label} (hosts: ${hosts.join(', ')})`);
  });
  const seen = new Map<string, string>();
  for (const t of paired) {
    const key = t.host ?? t.label;
    const other = seen.get(key);
    if (other !== undefined) throw new InputError(`--target ${other} and --target ${t.label} both stand for ${key}: one target per host`);
    seen.set(key, t.label);
  }
  return paired;
}
