import { describe, expect, it } from 'vitest';
import { pairTargets, parseLiveTarget } from '../../src/live/target.js';
import { shellArgv } from '../../src/live/run-target.js';

describe('parseLiveTarget', () => {
  it('reads ssh URLs (user, port, IPv6), local, and a flake host name in front', () => {
    expect(parseLiveTarget('local')).toEqual({ kind: 'local', label: 'local' });
    expect(parseLiveTarget('ssh://web1')).toEqual({ kind: 'ssh', label: 'ssh://web1', destination: 'web1' });
    expect(parseLiveTarget('laptop=ssh://root@10.0.0.5:2222')).toEqual({ kind: 'ssh', label: 'ssh://root@10.0.0.5:2222', host: 'laptop', destination: '10.0.0.5', user: 'root', port: 2222 });
    expect(parseLiveTarget('ssh://admin@[::1]:22')).toMatchObject({ destination: '::1', user: 'admin' });
    expect(parseLiveTarget('k3s-node=local')).toEqual({ kind: 'local', label: 'local', host: 'k3s-node' });
  });

  it('rejects what it cannot use, saying what it expects', () => {
    expect(() => parseLiveTarget('root@web1')).toThrow(/expected ssh:\/\/\[user@\]host\[:port\] or local/);
    expect(() => parseLiveTarget('ssh://root:secret@web1')).toThrow(/no passwords in the URL/);
    expect(() => parseLiveTarget('ssh://web1/path')).toThrow(/expected ssh:/);
    expect(() => parseLiveTarget('ssh://-oProxyCommand=x')).toThrow(/a host name cannot start with "-"/);
  });
});

describe('pairTargets', () => {
  const t = (spec: string) => parseLiveTarget(spec);
  it('pairs by name, by a single --host, or by the ssh destination; stands alone without --host', () => {
    expect(pairTargets([t('ssh://10.0.0.5')], ['laptop'])[0]!.host).toBe('laptop');
    expect(pairTargets([t('ssh://laptop'), t('ssh://root@desktop')], ['laptop', 'desktop']).map((x) => x.host)).toEqual(['laptop', 'desktop']);
    expect(pairTargets([t('desktop=local')], ['laptop'])[0]!.host).toBe('desktop');
    expect(pairTargets([t('local')], undefined)[0]!.host).toBeUndefined();
  });

  it('refuses to guess, and refuses two targets for one host', () => {
    expect(() => pairTargets([t('ssh://10.0.0.5'), t('local')], ['laptop', 'desktop'])).toThrow(/--target ssh:\/\/10\.0\.0\.5: which --host is it\? Name it: --target HOST=ssh:\/\/10\.0\.0\.5/);
    expect(() => pairTargets([t('laptop=local'), t('laptop=ssh://x')], undefined)).toThrow(/both stand for laptop/);
  });
});

describe('shellArgv', () => {
  const t = (spec: string) => parseLiveTarget(spec);
  it('runs bash -s here, or through the user ssh with batch mode and timeouts, never a disabled host key check', () => {
    expect(shellArgv(t('local'), {})).toEqual(['bash', ['-s']]);
    const [file, args] = shellArgv(t('ssh://root@10.0.0.5:2222'), { sshConfig: '/x/ssh_config', connectTimeoutS: 7 });
    expect(file).toBe('ssh');
    expect(args).toEqual(['-F', '/x/ssh_config', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=7', '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=3', '-T', '-p', '2222', '-l', 'root', '--', '10.0.0.5', 'bash -s']);
    expect(args.join(' ')).not.toMatch(/StrictHostKeyChecking/);
  });
});
