/**
 * What a check's shell command looks like from outside, read the way a reviewer would and
 * no further: whether it is a pipeline, and whether it visibly changes the system (a write
 * redirection, `systemctl restart`, `sysctl -w`, `rm`...). Quoted text is opaque (awk
 * programs, regexes), so this is a net for the common cases, not a proof.
 */

/** The command with quoted text and escapes replaced by a letter and comments removed. */
function unquote(command: string): string {
  let out = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === '\\') {
      out += 'x';
      i++;
    } else if (c === "'" || c === '"') {
      out += 'q';
      i = closingQuote(command, i);
    } else if (c === '#' && (i === 0 || /\s/.test(command[i - 1]!))) {
      const nl = command.indexOf('\n', i);
      i = nl < 0 ? command.length : nl - 1;
    } else out += c;
  }
  return out;
}

function closingQuote(text: string, open: number): number {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

/** True when the command has a pipe (`|`, not `||`) outside quotes. */
export function isPipeline(command: string): boolean {
  return /\|/.test(unquote(command).replace(/\|\|/g, ''));
}

/** Simple commands of the unquoted text: split at ; & && || | newlines, ( ) { } and backticks. */
function simpleCommands(unquoted: string): string[] {
  return unquoted
    .split(/\|\||&&|[;|\n(){}`]|(?<![<>])&(?!>)/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** `>file`, `>> file`, `2>file`, `&>file`; `>&2`, `2>&1` and `/dev/null` targets write nothing. */
const REDIRECT = /(?:^|[^\d&>])(?:\d*|&)(?:>>?|>\|)\s*(&?[^\s<>]*)/g;

const ALWAYS_CHANGES = new Set([
  'rm', 'rmdir', 'mv', 'cp', 'dd', 'touch', 'mkdir', 'ln', 'truncate', 'shred', 'chmod', 'chown', 'chgrp', 'chattr',
  'kill', 'pkill', 'killall', 'reboot', 'shutdown', 'poweroff', 'halt', 'useradd', 'userdel', 'usermod', 'groupadd',
  'groupdel', 'groupmod', 'chpasswd', 'insmod', 'rmmod', 'umount', 'swapon', 'swapoff', 'nixos-rebuild',
  'nix-collect-garbage', 'iptables-restore', 'ip6tables-restore', 'apparmor_parser', 'systemd-run',
]);

const SYSTEMCTL_CHANGES = new Set([
  'start', 'stop', 'restart', 'reload', 'try-restart', 'reload-or-restart', 'try-reload-or-restart', 'enable', 'disable',
  'reenable', 'mask', 'unmask', 'kill', 'isolate', 'daemon-reload', 'daemon-reexec', 'reset-failed', 'set-property',
  'edit', 'link', 'preset', 'preset-all', 'revert', 'poweroff', 'reboot', 'halt', 'kexec', 'suspend', 'hibernate',
  'set-environment', 'unset-environment', 'clean', 'freeze', 'thaw',
]);

const some = (args: string[], re: RegExp) => args.some((a) => re.test(a));

/** Commands that read with these arguments and may change the system with others. */
const READS_ONLY: Record<string, (args: string[]) => boolean> = {
  systemctl: (args) => !args.some((a) => SYSTEMCTL_CHANGES.has(a)),
  sysctl: (args) => !some(args, /^(-\w*[wp]\w*|--write|--load|--system)$/) && !args.some((a) => !a.startsWith('-') && a.includes('=')),
  modprobe: (args) => some(args, /^(-\w*[nc]\w*|--dry-run|--showconfig|--show-depends|-D|-R|--resolve-alias)$/),
  auditctl: (args) => !some(args, /^(-\w*[aAdDwWRbefr]|--(backlog_wait_time|reset-lost|loginuid-immutable|signal|reset_backlog_wait_time_actual))/),
  iptables: (args) => !some(args, /^(-\w*[AIDFXNPRZE]|--(append|insert|delete|flush|new-chain|delete-chain|policy|replace|zero|rename-chain))$/),
  ip6tables: (args) => READS_ONLY['iptables']!(args),
  nft: (args) => !some(args, /^(add|delete|flush|insert|replace|create|destroy|reset|-f|--file)$/),
  ip: (args) => !some(args, /^(add|del|delete|set|flush|change|replace|append)$/),
  mount: (args) => args.every((a) => a === '-l' || a === '--show-labels'),
  tee: (args) => args.every((a) => a.startsWith('-') || a === '/dev/null'),
  date: (args) => !some(args, /^(-s|--set)/),
  hwclock: (args) => !some(args, /^(-w|-s|--systohc|--hctosys|--set|--adjust)$/),
  timedatectl: (args) => !some(args, /^set-/),
  hostnamectl: (args) => !some(args, /^set-/) && !(args[0] === 'hostname' && args.length > 1),
  'nix-env': (args) => !some(args, /^(-\w*[ieu]\w*|--install|--uninstall|--upgrade|--set|--rollback|--delete-generations|--switch-generation|-G)$/),
  'nix-channel': (args) => !some(args, /^--(add|remove|update|rollback)$/),
  // `passwd -S` only prints an account's status.
  passwd: (args) => args.some((a) => a === '-S' || a === '--status') && args.every((a) => !a.startsWith('-') || /^(-S|--status|-a|--all|-Sa|-aS)$/.test(a)),
  crontab: (args) => args.includes('-l') && !some(args, /^-[er]$/),
  usbguard: (args) => !some(args, /^(allow-device|block-device|reject-device|append-rule|remove-rule|set-parameter)$/),
};

/** Words that run the words after them as the command, with their options that take a value. */
const WRAPPERS: Record<string, RegExp | null> = {
  sudo: /^-[ugpCDrtUh]$/, env: /^-[uCS]$/, timeout: /^-[ks]$/, nice: /^-n$/, command: null, exec: /^-a$/, nohup: null,
  time: null, builtin: null, then: null, else: null, do: null, if: null, while: null, until: null, '!': null,
};

/** The command's name and arguments, past assignments and wrappers. */
function commandWords(simple: string): { name: string; args: string[] } | null {
  const words = simple.split(/\s+/).filter((w) => !/^(\d*|&)[<>]/.test(w));
  let k = 0;
  while (k < words.length) {
    const w = words[k]!;
    if (/^[A-Za-z_]\w*=/.test(w)) k++;
    else if (Object.hasOwn(WRAPPERS, w)) {
      k++;
      while (words[k]?.startsWith('-')) k += WRAPPERS[w]?.test(words[k]!) ? 2 : 1;
      if (w === 'timeout') k++;
    } else break;
  }
  const name = words[k]?.split('/').at(-1);
  return name ? { name, args: words.slice(k + 1) } : null;
}

/** The first thing in `command` that changes the system, in words, or null. */
export function systemChange(command: string): string | null {
  const unquoted = unquote(command).replace(/\$\(/g, ';');
  for (const simple of simpleCommands(unquoted)) {
    for (const m of simple.matchAll(REDIRECT)) {
      const target = m[1] ?? '';
      if (target !== '/dev/null' && !target.startsWith('&')) return `writes to a file: ${simple}`;
    }
    const words = commandWords(simple);
    if (!words) continue;
    if (ALWAYS_CHANGES.has(words.name)) return `runs ${words.name}`;
    const readsOnly = READS_ONLY[words.name];
    if (readsOnly && !readsOnly(words.args)) return `runs ${[words.name, ...words.args].join(' ')}`;
  }
  return null;
}
