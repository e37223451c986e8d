import { describe, expect, it } from 'vitest';
import { isPipeline, systemChange } from '../../src/shell/command-shape.js';

describe('systemChange', () => {
  it('passes commands that only read, whatever their quoted programs contain', () => {
    for (const command of [
      "sysctl -n kernel.kptr_restrict",
      "modprobe -n -v cramfs",
      "sshd -T | awk '$1 == \"maxauthtries\" { print $2 }'",
      "awk -F: '$2 ~ /^\\$/ && ($5 == \"\" || $5 > 365) { n++ } END { print n + 0 }' /etc/shadow",
      "{ command -v iptables >/dev/null && iptables -S nixos-fw >/dev/null 2>&1; } || nft list table inet nixos-fw >/dev/null 2>&1 && echo present",
      "systemctl is-active sshd; systemctl is-enabled nftables",
      "auditctl -l | grep -c x; auditctl -s",
      "iptables-save 2>/dev/null || nft list ruleset",
      "cat a 2>/dev/null >&2; date +%s; ip addr show; mount",
      "crontab -l -u root",
      "passwd -S root | awk '{ print $2 }'",
      "sleep 1 & wait",
    ]) {
      expect(systemChange(command), command).toBeNull();
    }
  });

  it('names what changes the system, past wrappers, assignments and $(...)', () => {
    expect(systemChange('systemctl restart sshd')).toBe('runs systemctl restart sshd');
    expect(systemChange('sudo -u root rm -rf /tmp/x')).toBe('runs rm');
    expect(systemChange('timeout -k 5 10 systemctl stop x')).toBe('runs systemctl stop x');
    expect(systemChange('X=1 env -u Y iptables -A INPUT -j DROP')).toBe('runs iptables -A INPUT -j DROP');
    expect(systemChange('v=$(sysctl -w kernel.x=1)')).toBe('runs sysctl -w kernel.x=1');
    expect(systemChange('sysctl kernel.x=1')).toBe('runs sysctl kernel.x=1');
    expect(systemChange('modprobe cramfs')).toBe('runs modprobe cramfs');
    expect(systemChange('echo 1 | tee /proc/sys/x')).toBe('runs tee /proc/sys/x');
    expect(systemChange('nft flush ruleset')).toBe('runs nft flush ruleset');
    expect(systemChange('auditctl -e 0')).toBe('runs auditctl -e 0');
    expect(systemChange('date -s @0')).toBe('runs date -s @0');
    expect(systemChange('passwd -l root')).toBe('runs passwd -l root');
    expect(systemChange('passwd -S -l root')).toBe('runs passwd -S -l root');
    expect(systemChange('echo x > /etc/motd')).toBe('writes to a file: echo x > /etc/motd');
    expect(systemChange('echo a>>b')).toBe('writes to a file: echo a>>b');
  });
});

describe('isPipeline', () => {
  it('sees pipes, not || and not quoted bars', () => {
    expect(isPipeline('sshd -T | grep x')).toBe(true);
    expect(isPipeline('a || b')).toBe(false);
    expect(isPipeline("grep -cE 'NOPASSWD|!authenticate' /etc/sudoers")).toBe(false);
    expect(isPipeline('a || b | c')).toBe(true);
  });
});
