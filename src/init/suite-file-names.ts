/**
 * One suite file per host, and distinct hosts get distinct files: `web 1` and `web_1`,
 * or `Web` and `web` on a case-insensitive file system, never share one.
 */
import { createHash } from 'node:crypto';

const SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

const shortHash = (host: string) => createHash('sha256').update(host).digest('hex').slice(0, 8);

/** Host name -> file name: the name itself when it is a safe file name, else a safe spelling plus a hash of the name. */
export function suiteFileNames(hosts: readonly string[]): Map<string, string> {
  const stems = new Map(hosts.map((h) => [h, SAFE.test(h) ? h : `${h.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_')}-${shortHash(h)}`]));
  const byFolded = new Map<string, string[]>();
  for (const [host, stem] of stems) byFolded.set(stem.toLowerCase(), [...(byFolded.get(stem.toLowerCase()) ?? []), host]);
  for (const group of byFolded.values()) if (group.length > 1) for (const host of group) stems.set(host, `${stems.get(host)}-${shortHash(host)}`);
  const folded = [...stems.values()].map((s) => s.toLowerCase());
  if (new Set(folded).size !== folded.length) throw new Error(`cannot give the hosts ${hosts.join(', ')} distinct suite file names`);
  return new Map([...stems].map(([host, stem]) => [host, `${stem}.yaml`]));
}
