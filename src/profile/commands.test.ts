import { describe, expect, test } from 'bun:test';
import { FIREJAIL_SURFACE } from './surface.ts';
import { COMMAND_NAMES, CommandError, isCommand, parseCommand, STRUCTURAL, type ParseContext } from './commands.ts';
import type { Origin } from './diagnostics.ts';
import type { Directive, DirectiveKind } from './directive.ts';
import { fakeEnv } from './testing.ts';

const origin: Origin = { kind: 'profile', file: 't.profile', line: 1, col: 1 };

function parse(name: string, arg?: string, warnings: string[] = []): Directive | CommandError {
  const ctx: ParseContext = { env: fakeEnv({}, { DOWNLOADS: '/home/u/Downloads' }), warn: (m) => warnings.push(m) };
  return parseCommand(name, arg, ctx, origin);
}

function ok(name: string, arg?: string): Directive {
  const r = parse(name, arg);
  if (r instanceof CommandError) throw new Error(`${name} ${arg ?? ''}: ${r.message}`);
  return r;
}

/**
 * A valid use of every command that takes an argument (undefined: the bare form). The type makes this
 * table list every command of the language.
 */
const VALID: Record<Exclude<DirectiveKind, FlagOnly>, string | undefined> = {
  blacklist: '${HOME}/.ssh',
  'blacklist-nolog': '/usr/bin/gcc*',
  noblacklist: '~/.mozilla',
  whitelist: '${DOWNLOADS}',
  'whitelist-ro': '${HOME}/.config/mpv',
  nowhitelist: '~/.config',
  'read-only': '${HOME}/.bashrc',
  'read-write': '${HOME}/.cache',
  noexec: '${RUNUSER}',
  tmpfs: '${HOME}/.local/share',
  mkdir: '${HOME}/.mozilla',
  mkfile: '${RUNUSER}/x.lock',
  'private-bin': 'sh,bash,python*',
  'private-etc': 'alternatives,fonts,machine-id',
  'private-home': '.mozilla,~/.config/x',
  'private-lib': undefined,
  'private-opt': 'firefox',
  'private-srv': 'www',
  bind: '/a,/b',
  private: undefined,
  'private-cwd': '/tmp',
  'hosts-file': '/etc/hosts.sandbox',
  'caps.drop': 'all',
  'caps.keep': 'sys_admin,net_raw',
  protocol: 'unix,inet,inet6',
  'restrict-namespaces': undefined,
  seccomp: '!chroot,mount:EPERM,@clock',
  'seccomp.32': undefined,
  'seccomp.drop': '@clock,@module',
  'seccomp.32.drop': 'modify_ldt',
  'seccomp.keep': 'read,write,exit',
  'seccomp.32.keep': 'read',
  'seccomp-error-action': 'ENOSYS',
  apparmor: undefined,
  x11: 'none',
  'xephyr-screen': '640x480',
  'dbus-user': 'filter',
  'dbus-system': 'none',
  'dbus-user.own': 'org.mozilla.firefox.*',
  'dbus-user.talk': 'org.freedesktop.Notifications',
  'dbus-user.see': 'org.kde.StatusNotifierWatcher',
  'dbus-user.call': 'org.freedesktop.Notifications=org.freedesktop.Notifications.*@/org/freedesktop/Notifications',
  'dbus-user.broadcast': 'org.freedesktop.Notifications=org.freedesktop.Notifications.*@/org/freedesktop/Notifications',
  'dbus-system.own': 'org.gnome.ghex.*',
  'dbus-system.talk': 'org.freedesktop.NetworkManager',
  'dbus-system.see': 'org.freedesktop.login1',
  'dbus-system.call': 'org.freedesktop.login1=org.freedesktop.login1.Manager.*@/org/freedesktop/login1',
  'dbus-system.broadcast': 'org.freedesktop.login1=*@/org/freedesktop/login1',
  env: 'CFLAGS="-W -Wall -Werror"',
  rmenv: 'DBUS_SESSION_BUS_ADDRESS',
  shell: 'none',
  hostname: 'sandbox-1',
  name: 'browser',
  'join-or-start': 'browser',
  netns: 'vpn0',
  'veth-name': 'veth-fj',
  net: 'eth0',
  ip: '10.10.20.56',
  ip6: '2001:0db8:0:f101::1/64',
  iprange: '192.168.1.150,192.168.1.160',
  dns: '1.1.1.1',
  defaultgw: '10.10.20.1',
  netmask: '255.255.255.0',
  mac: '00:11:22:33:44:55',
  mtu: '1500',
  netfilter: undefined,
  netfilter6: '/etc/firejail/nolocal6.net',
  cpu: '0,1,2',
  nice: '-5',
  'rlimit-as': '1g',
  'rlimit-cpu': '123',
  'rlimit-fsize': '1024k',
  'rlimit-nofile': '500',
  'rlimit-nproc': '1000',
  'rlimit-sigpending': '200',
  timeout: '01:30:00',
  'keep-fd': '3,4,5',
};
// The flags, spelled out: a new flag must be added here too.
const FLAGS = [
  'allow-debuggers', 'allusers', 'apparmor-replace', 'apparmor-stack', 'caps', 'deterministic-exit-code',
  'deterministic-shutdown', 'disable-mnt', 'ipc-namespace', 'keep-config-pulse', 'keep-dev-shm', 'keep-var-tmp',
  'machine-id', 'memory-deny-write-execute', 'netlock', 'no3d', 'noautopulse', 'nodbus', 'nodvd', 'nogroups',
  'noinput', 'nonewprivs', 'noprinters', 'noroot', 'nosound', 'notv', 'nou2f', 'novideo', 'private-cache',
  'private-dev', 'private-tmp', 'quiet', 'seccomp.block-secondary', 'tab', 'tracelog', 'writable-etc',
  'writable-run-user', 'writable-var', 'writable-var-log',
] as const;
type FlagOnly = (typeof FLAGS)[number];

describe('every command', () => {
  test('the tables cover every name, once', () => {
    const listed = [...FLAGS, ...Object.keys(VALID), ...STRUCTURAL].sort();
    expect(listed).toEqual([...COMMAND_NAMES]);
  });

  for (const name of FLAGS) {
    test(`${name} takes no argument`, () => {
      expect(ok(name).kind).toBe(name);
      const bad = parse(name, 'x');
      expect(bad).toBeInstanceOf(CommandError);
      expect((bad as CommandError).at).toBe('argument');
    });
  }

  for (const [name, arg] of Object.entries(VALID)) {
    test(`${name} ${arg ?? ''} parses into a '${name}' directive with its origin`, () => {
      const d = ok(name, arg);
      expect(d.kind).toBe(name as DirectiveKind);
      expect(d.origin).toBe(origin);
    });
  }

  test('every Firejail profile command is a kiln command', () => {
    // rmenv and shell are profile commands although the option table lists them as one-sided.
    const profileNames = Object.entries(FIREJAIL_SURFACE).filter(([, w]) => w.profile).map(([n]) => n);
    for (const n of [...profileNames, 'rmenv', 'shell']) expect(isCommand(n) || (STRUCTURAL as readonly string[]).includes(n)).toBe(true);
  });

  test('every kiln command is in the Firejail surface (Debian 0.9.72 adds apparmor-replace and apparmor-stack)', () => {
    const extra = COMMAND_NAMES.filter((n) => FIREJAIL_SURFACE[n] === undefined);
    expect(extra).toEqual([]);
  });
});

describe('malformed arguments', () => {
  const cases: [string, string | undefined, string][] = [
    ['privat-dev', undefined, "unknown command 'privat-dev' (did you mean 'private-dev'?)"],
    ['blacklist', undefined, "'blacklist' needs an argument"],
    ['blacklist', 'relative/path', 'must be absolute'],
    ['blacklist', '${HOME}/../etc', "'..' is not allowed"],
    ['blacklist', '${FOO}/x', "unknown macro '${FOO}'"],
    ['blacklist', '/a/${HOME}', 'only expanded at the start'],
    ['blacklist', '${HOME}x', "a '/' must follow the macro"],
    ['mkdir', '/etc/foo', 'outside the home directory'],
    ['mkdir', '${HOME}/a*', 'wildcards are not expanded here'],
    ['bind', '/a', 'expected SOURCE,DESTINATION'],
    ['private-etc', 'ssl/certs', "without '/'"],
    ['private-bin', 'a,,b', 'empty item'],
    ['private-home', '../x', "'..' is not allowed"],
    ['caps.drop', 'sys_admn', "unknown capability 'sys_admn' (did you mean 'sys_admin'?)"],
    ['caps.keep', 'all', "unknown capability 'all'"],
    ['protocol', 'unix,ipx', "unknown protocol 'ipx'"],
    ['restrict-namespaces', 'user,nett', "unknown namespace 'nett' (did you mean 'net'?)"],
    ['seccomp', '@clok', "unknown syscall group '@clok' (did you mean '@clock'?)"],
    ['seccomp', 'mount:EPERN', "unknown errno 'EPERN' (did you mean 'EPERM'?)"],
    ['seccomp.drop', 'Mount', "bad list entry 'Mount'"],
    ['seccomp', 'mout', "unknown syscall 'mout' (did you mean 'mount'?)"],
    ['seccomp.32.drop', 'modify_ldt,chroott', "unknown syscall 'chroott'"],
    ['seccomp.drop', '$abc', "bad list entry '$abc': expected $ and a decimal syscall number"],
    ['seccomp', '$', "malformed syscall entry '$'"],
    ['seccomp.keep', 'read,$-1', "bad list entry '$-1'"],
    ['seccomp.32.drop', '$1073741824', "bad list entry '$1073741824': syscall number out of range (0 to 1073741823)"],
    ['seccomp.32.keep', '$0x10', "bad list entry '$0x10'"],
    ['seccomp.drop', '$263:ENOPE', "unknown errno 'ENOPE'"],
    ['seccomp', '!mount:EPERM', 'an exception (!) cannot have an action'],
    ['seccomp.drop', 'mount:KILL', "unknown errno 'KILL'"],
    ['seccomp-error-action', 'ENOPE', "unknown errno 'ENOPE'"],
    ['x11', 'wayland', "unknown mode 'wayland'"],
    ['xephyr-screen', '640', 'expected WIDTHxHEIGHT'],
    ['dbus-user', 'allow', "expected 'filter' or 'none'"],
    ['dbus-user.talk', 'notabusname', 'invalid D-Bus name'],
    ['dbus-user.call', 'org.a.b', 'expected NAME=INTERFACE.METHOD@/PATH'],
    ['env', 'NOEQUALS', 'expected NAME=VALUE'],
    ['env', '1X=y', 'invalid environment variable name'],
    ['shell', '/bin/sh', "only 'shell none'"],
    ['hostname', 'bad_host!', 'invalid host name'],
    ['name', 'a/b', 'invalid sandbox name'],
    ['net', 'lo', 'loopback'],
    ['net', 'this-name-is-too-long', 'invalid network interface name'],
    ['ip', '10.0.0.256', 'invalid IPv4 address'],
    ['ip6', '2001:db8::1::2', 'invalid IPv6 address'],
    ['iprange', '10.0.0.9,10.0.0.2', 'below the last'],
    ['dns', 'x', 'invalid IPv4 address'],
    ['netmask', '255.0.255.0', 'contiguous'],
    ['mac', '00:11:22:33:44', 'invalid MAC address'],
    ['mtu', '100', 'out of range'],
    ['cpu', 'x', 'expected an integer'],
    ['nice', '20', 'out of range'],
    ['rlimit-nofile', '10k', 'expected a number'],
    ['rlimit-as', '1t', 'expected a number'],
    ['timeout', '1', 'expected hh:mm:ss'],
    ['timeout', '00:00:00', 'at once'],
    ['keep-fd', 'x', 'expected an integer'],
  ];
  for (const [name, arg, message] of cases) {
    test(`${name} ${arg ?? ''}`, () => {
      const r = parse(name, arg);
      expect(r).toBeInstanceOf(CommandError);
      expect((r as CommandError).message).toContain(message);
    });
  }

  test('a blank inside a private-* item is kept, with a warning', () => {
    const warnings: string[] = [];
    const d = parse('private-etc', 'hosts,machine-id mime.types', warnings);
    expect(d).not.toBeInstanceOf(CommandError);
    expect(warnings).toEqual(["private-etc: the item 'machine-id mime.types' contains a blank; is a comma missing?"]);
  });
});

describe('arguments, as parsed', () => {
  test('paths are expanded and normalized', () => {
    expect(ok('blacklist', '${HOME}//.ssh/')).toMatchObject({ paths: ['/home/u/.ssh'], written: '${HOME}//.ssh/' });
    expect(ok('blacklist', '~')).toMatchObject({ paths: ['/home/u'] });
    expect(ok('blacklist', '${PATH}/su')).toMatchObject({ paths: ['/usr/bin/su', '/usr/sbin/su'] });
    expect(ok('whitelist', '${VIDEOS}')).toMatchObject({ paths: [], unresolved: '${VIDEOS}' });
    expect(ok('blacklist', '${HOME}/.config/Element (Riot)')).toMatchObject({ paths: ['/home/u/.config/Element (Riot)'] });
  });

  test('lists and values', () => {
    expect(ok('caps.drop', 'CAP_SYS_ADMIN,net_raw')).toMatchObject({ caps: ['sys_admin', 'net_raw'] });
    expect(ok('seccomp', '!chroot,mount:EPERM')).toMatchObject({
      syscalls: [{ name: 'chroot', exclude: true }, { name: 'mount', exclude: false, action: 'EPERM' }],
    });
    expect(ok('seccomp')).toMatchObject({ syscalls: [] });
    expect(ok('seccomp.drop', '$263:ENOENT,!$1,$0')).toMatchObject({
      syscalls: [{ name: '$263', exclude: false, action: 'ENOENT' }, { name: '$1', exclude: true }, { name: '$0', exclude: false }],
    });
    // Firejail's per-entry actions; errno names in any case, as Firejail takes them.
    expect(ok('seccomp.drop', 'mount:kill,umount2:log,$263:enoent')).toMatchObject({
      syscalls: [{ name: 'mount', action: 'kill' }, { name: 'umount2', action: 'log' }, { name: '$263', action: 'ENOENT' }],
    });
    for (const cmd of ['seccomp', 'seccomp.32', 'seccomp.keep', 'seccomp.32.drop', 'seccomp.32.keep']) {
      expect(ok(cmd, '$20')).toMatchObject({ syscalls: [{ name: '$20', exclude: false }] });
    }
    expect(ok('restrict-namespaces')).toMatchObject({ namespaces: ['cgroup', 'ipc', 'net', 'mnt', 'pid', 'time', 'user', 'uts'] });
    expect(ok('rlimit-as', '2m')).toMatchObject({ limit: 2n * 1024n * 1024n });
    expect(ok('timeout', '01:02:03')).toMatchObject({ seconds: 3723 });
    expect(ok('keep-fd', 'all')).toMatchObject({ fds: 'all' });
    expect(ok('env', 'A=b=c')).toMatchObject({ name: 'A', value: 'b=c' });
    expect(ok('ip', 'dhcp')).toMatchObject({ value: 'dhcp' });
    expect(ok('private-home', '~/.mozilla,${HOME}/.config/x')).toMatchObject({ items: ['.mozilla', '.config/x'] });
    expect(ok('x11')).toMatchObject({ mode: 'auto' });
    expect(ok('dbus-user.call', 'a.b=c.D@/x')).toMatchObject({ name: 'a.b', rule: 'c.D@/x' });
  });
});
