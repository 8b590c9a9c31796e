import { describe, expect, test } from 'bun:test';
import { buildProfile, homeEntry, type BuildContext, type Observations } from './profile.ts';
import { observe } from './observe.ts';

const ctx = (over: Partial<BuildContext> = {}): BuildContext => ({
  program: ['/usr/bin/app'],
  commandLine: ['kiln', '--build', '/usr/bin/app'],
  date: '2026-12-04',
  version: '0.1.0',
  home: '/home/u',
  sessionBus: ['/run/user/1000/bus'],
  systemBus: ['/run/dbus/system_bus_socket'],
  includeExists: () => true,
  interpreters: new Map(),
  binLinks: new Map(),
  elf: new Set(['/usr/bin/app']),
  knownSyscalls: new Set(['read', 'write', 'execve', 'exit_group', 'exit', 'rt_sigreturn', 'restart_syscall', 'openat', 'socket', 'connect']),
  privateLib: true,
  ...over,
});

const obs = (over: Partial<Observations> = {}): Observations => ({
  syscalls: new Set(['read', 'write']),
  paths: new Map(),
  execs: ['/usr/bin/app'],
  families: new Set(),
  unixPeers: new Set(),
  ...over,
});

const paths = (...ps: [string, string][]) => new Map(ps.map(([p, role]) => [p, { roles: new Set([role]) }]));
const commands = (o: Observations, c: BuildContext = ctx()) => buildProfile(o, c).commands;

describe('home entries a user would recognize', () => {
  test.each([
    ['/home/u/.config/app/sub/settings.ini', '/home/u/.config/app'],
    ['/home/u/.local/share/app/db', '/home/u/.local/share/app'],
    ['/home/u/.cache/app/x', '/home/u/.cache/app'],
    ['/home/u/.app/state/x', '/home/u/.app'],
    ['/home/u/notes.txt', '/home/u/notes.txt'],
    ['/home/u/Documents/a/b.txt', '/home/u/Documents'],
    ['/home/u/.config', undefined],
    ['/home/u', undefined],
    ['/home/user2/x', undefined],
  ])('%s → %s', (path, entry) => {
    expect(homeEntry('/home/u', path)).toBe(entry);
  });
});

describe('profile lines from observations', () => {
  test('no home path: private; home paths: noblacklist and whitelist with ${HOME}', () => {
    expect(commands(obs())).toContain('private');
    const c = commands(obs({ paths: paths(['/home/u/.config/app/x', 'create'], ['/home/u/.config/app', 'create']) }));
    expect(c).not.toContain('private');
    expect(c).toContain('whitelist ${HOME}/.config/app');
    expect(c).toContain('noblacklist ${HOME}/.config/app');
  });
  test('net none with only unix and netlink sockets; netfilter and protocol inet with an inet one', () => {
    const local = commands(obs({ families: new Set(['AF_UNIX', 'AF_NETLINK']) }));
    expect(local).toContain('net none');
    expect(local).toContain('protocol netlink,unix');
    const net = commands(obs({ families: new Set(['AF_INET']) }));
    expect(net).toContain('netfilter');
    expect(net).not.toContain('net none');
    expect(net).toContain('protocol inet');
    expect(commands(obs())).toContain('protocol unix');
  });
  test('dbus none only for the buses not contacted', () => {
    const c = commands(obs({ unixPeers: new Set(['/run/user/1000/bus']) }));
    expect(c).not.toContain('dbus-user none');
    expect(c).toContain('dbus-system none');
  });
  test('device switches for devices not opened; private-dev unless an unusual device was', () => {
    const c = commands(obs({ paths: paths(['/dev/snd/pcmC0D0p', 'open'], ['/dev/null', 'write']) }));
    expect(c).not.toContain('nosound');
    expect(c).toContain('no3d');
    expect(c).toContain('private-dev');
    expect(commands(obs({ paths: paths(['/dev/sda', 'open']) }))).not.toContain('private-dev');
  });
  test('seccomp.keep: the calls made plus the runtime minimum, unknown names left out', () => {
    const c = commands(obs({ syscalls: new Set(['read', 'made_up_call']) }));
    expect(c).toContain('seccomp.keep execve,exit,exit_group,read,restart_syscall,rt_sigreturn');
  });
  test('includes that would hide what the program used are left out', () => {
    const shell = ctx({ elf: new Set(), interpreters: new Map([['/usr/local/bin/app', ['/bin/sh']]]) });
    const c = commands(obs({ execs: ['/usr/local/bin/app'] }), shell);
    expect(c).not.toContain('include disable-shell.inc');
    expect(c).toContain('include disable-common.inc');
    expect(c).toContain('private-bin app,sh');
    expect(c).not.toContain('private-lib'); // a script ran
    expect(commands(obs({ execs: ['/tmp/x/app'] }))).not.toContain('include disable-exec.inc');
    expect(commands(obs(), ctx({ includeExists: (n) => n !== 'disable-xdg.inc' }))).not.toContain('include disable-xdg.inc');
  });
  test('private-tmp unless the program used something in /tmp it did not make', () => {
    expect(commands(obs())).toContain('private-tmp');
    expect(commands(obs({ paths: paths(['/tmp/mine', 'create']) }))).toContain('private-tmp');
    expect(commands(obs({ paths: paths(['/tmp/theirs', 'open']) }))).not.toContain('private-tmp');
  });
  test('private-etc names each /etc entry used, once', () => {
    expect(commands(obs({ paths: paths(['/etc/ssl/certs/x.pem', 'open'], ['/etc/hosts', 'open'], ['/etc/ssl', 'read']) }))).toContain('private-etc hosts,ssl');
  });
  test('no trailing commas anywhere, and the header names program, date, version and command', () => {
    const p = buildProfile(obs({ paths: paths(['/etc/hosts', 'open']) }), ctx());
    expect(p.text).not.toMatch(/,\s*$/m);
    expect(p.text).toContain('# kiln profile for app');
    expect(p.text).toContain('# date: 2026-12-04');
    expect(p.text).toContain('# kiln version: 0.1.0');
    expect(p.text).toContain('# command: kiln --build /usr/bin/app');
  });
});

describe('observing a trace', () => {
  test("only the program's calls count, and created paths are marked", () => {
    const o = observe(
      [
        '1<strace> execve("/usr/bin/bwrap", ["bwrap"], 0x1 /* 1 var */) = 0',
        '1<bwrap> mount("tmpfs", "/newroot", "tmpfs", 0, NULL) = 0',
        '2<bwrap> execve("/proc/self/fd/5", ["/proc/self/fd/5", "--kiln-init=6", "--", "app"], 0x1 /* 1 var */) = 0',
        '2<5> prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0',
        '2<5> execve("/usr/bin/app", ["app"], 0x1 /* 1 var */) = 0',
        '2<app> openat(AT_FDCWD</w>, "out", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3</w/out>',
        '2<app> socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 4<socket:[1]>',
        '2<app> connect(5<socket:[2]>, {sa_family=AF_UNIX, sun_path="/run/user/1000/bus"}, 110) = 0',
      ].join('\n'),
      '/',
    );
    expect(o.started).toBe(true);
    expect([...o.syscalls].sort()).toEqual(['connect', 'execve', 'openat', 'socket']);
    expect(o.paths.get('/w/out')?.roles.has('create')).toBe(true);
    expect([...o.families]).toEqual(['AF_INET6']);
    expect([...o.unixPeers]).toEqual(['/run/user/1000/bus']);
    expect(o.execs).toEqual(['/usr/bin/app']);
  });
});
