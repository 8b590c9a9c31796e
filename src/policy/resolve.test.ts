import { afterAll, describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import type { CliDirective } from '../profile/cli.ts';
import { parseCliDirectives } from '../profile/cli.ts';
import { initialConditions, observe } from '../profile/conditions.ts';
import { errors, fakeEnv, loadFrom, makeTree } from '../profile/testing.ts';
import type { FsRule, Policy } from './policy.ts';
import { resolvePolicy, type Resolution } from './resolve.ts';

const tree = makeTree({});
afterAll(() => tree.cleanup());
let n = 0;

/** Resolves profile text plus command-line options (`--name` / `--name=value`). */
function resolve(text: string, argv: readonly string[] = []): Resolution {
  const options: CliDirective[] = argv.map((a) => {
    const eq = a.indexOf('=');
    return eq < 0 ? { name: a.slice(2), value: undefined, text: a } : { name: a.slice(2, eq), value: a.slice(eq + 1), text: a };
  });
  const env = fakeEnv();
  const cli = parseCliDirectives(options, env);
  const conditions = initialConditions(cli.appimage);
  for (const d of cli.directives) observe(conditions, d);
  const file = `p${n++}.profile`;
  tree.write(file, text);
  const loaded = loadFrom(tree, file, { env, ignores: cli.ignores, conditions });
  expect(errors(loaded)).toEqual([]);
  return resolvePolicy({ profile: loaded.directives, cli: cli.directives, cliOnly: cli.cliOnly, files: loaded.files, ignored: loaded.ignored });
}

function policy(text: string, argv: readonly string[] = []): Policy {
  const r = resolve(text, argv);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.policy;
}

const paths = (p: Policy, kind: FsRule['kind']) => p.fs.filter((r) => r.kind === kind).map((r) => ('path' in r ? r.path : r.dest));

describe('noblacklist and nowhitelist', () => {
  test('a noblacklist exempts the blacklists after it, not those before', () => {
    const p = policy('blacklist ${HOME}/.a\nnoblacklist ${HOME}/.a\nnoblacklist ${HOME}/.b\nblacklist ${HOME}/.a\nblacklist ${HOME}/.b\nblacklist ${HOME}/.c\n');
    expect(paths(p, 'blacklist')).toEqual(['/home/u/.a', '/home/u/.c']);
    expect(p.exempted.map((e) => `${e.rule.path} by line ${e.by.kind === 'profile' ? e.by.line : '?'}`)).toEqual(['/home/u/.a by line 2', '/home/u/.b by line 3']);
  });

  test('a glob noblacklist exempts matching plain paths, component by component', () => {
    const p = policy('noblacklist ${HOME}/.cache/moz*\nblacklist ${HOME}/.cache/mozilla\nblacklist ${HOME}/.cache/mozilla/firefox\nblacklist ${HOME}/.cache/other\n');
    expect(paths(p, 'blacklist')).toEqual(['/home/u/.cache/mozilla/firefox', '/home/u/.cache/other']);
  });

  test('a glob blacklist carries the patterns that may match its expansions', () => {
    const p = policy('noblacklist ${HOME}/.mozilla\nnoblacklist /usr/lib/libgjs*\nnoblacklist /etc/x\nblacklist ${HOME}/.moz*\nblacklist /usr/lib/lib*\nblacklist /opt/*\n');
    expect(p.fs.map((r) => (r.kind === 'blacklist' ? `${r.path} except [${r.except.join(' ')}]` : ''))).toEqual([
      '/home/u/.moz* except [/home/u/.mozilla]',
      '/usr/lib/lib* except [/usr/lib/libgjs*]',
      '/opt/* except []',
    ]);
  });

  test('the same glob in noblacklist and blacklist cancels the rule', () => {
    expect(paths(policy('noblacklist ${HOME}/.moz*\nblacklist ${HOME}/.moz*\n'), 'blacklist')).toEqual([]);
  });

  test('a command-line noblacklist exempts every blacklist, wherever it is', () => {
    const p = policy('blacklist ${HOME}/.ssh\nblacklist ${HOME}/.gnupg\n', ['--noblacklist=~/.ssh']);
    expect(paths(p, 'blacklist')).toEqual(['/home/u/.gnupg']);
  });

  test("the profile's noblacklist does not exempt a command-line blacklist", () => {
    expect(paths(policy('noblacklist ${HOME}/.ssh\n', ['--blacklist=~/.ssh']), 'blacklist')).toEqual(['/home/u/.ssh']);
  });

  test('nowhitelist works the same way on whitelists, and whitelist-ro is read-only', () => {
    const p = policy('whitelist ${HOME}/.a\nnowhitelist ${HOME}/.a\nwhitelist ${HOME}/.a\nwhitelist-ro ${HOME}/.b\n');
    expect(p.fs.map((r) => (r.kind === 'whitelist' ? `${r.path}${r.readOnly ? ' ro' : ''}` : r.kind))).toEqual(['/home/u/.a', '/home/u/.b ro']);
  });

  test('a noblacklist does not touch read-only and the other rules', () => {
    const p = policy('noblacklist ${HOME}/.a\nread-only ${HOME}/.a\nnoexec ${HOME}/.a\ntmpfs ${HOME}/.a\n');
    expect(p.fs.map((r) => r.kind)).toEqual(['read-only', 'noexec', 'tmpfs']);
  });
});

describe('folding', () => {
  test('filesystem rules keep their order: the profile first, then the command line', () => {
    const p = policy('blacklist /a\nread-only /b\nbind /c,/d\nwhitelist /e\nmkdir ${HOME}/f\n', ['--read-write=/b', '--tmpfs=/g']);
    expect(p.fs.map((r) => r.kind)).toEqual(['blacklist', 'read-only', 'bind', 'whitelist', 'mkdir', 'read-write', 'tmpfs']);
    expect(p.fs[5]?.origin).toEqual({ kind: 'cli', option: '--read-write=/b' });
    expect(p.fs[0]?.origin).toMatchObject({ kind: 'profile', line: 1, col: 1 });
  });

  const single: [string, readonly string[], (p: Policy) => unknown, unknown][] = [
    ['caps.drop all', [], (p) => p.caps, { kind: 'drop-all' }],
    ['caps.drop all', ['--caps.keep=net_raw'], (p) => p.caps, { kind: 'keep', caps: ['net_raw'] }],
    ['caps.keep sys_admin', ['--caps'], (p) => p.caps, { kind: 'default-filter' }],
    ['hostname a', ['--hostname=b'], (p) => p.hostname, 'b'],
    ['private', ['--private=/tmp'], (p) => p.privateHome, { kind: 'dir', dir: '/tmp', origin: { kind: 'cli', option: '--private=/tmp' } }],
    ['private-cwd', [], (p) => p.privateCwd, { kind: 'home' }],
    ['x11 xephyr\nxephyr-screen 800x600', [], (p) => p.x11, { kind: 'server', mode: 'xephyr', screen: '800x600' }],
    ['x11', ['--x11=none'], (p) => p.x11, { kind: 'none' }],
    ['timeout 00:01:00', ['--timeout=00:00:30'], (p) => p.timeoutSeconds, 30],
    ['rlimit-as 1g\nrlimit-nofile 50', ['--rlimit-nofile=60'], (p) => p.rlimits, { as: 1073741824n, nofile: 60n }],
    ['nice 5\ncpu 0,1', ['--cpu=2'], (p) => [p.nice, p.cpus], [5, [2]]],
    ['apparmor\napparmor-replace', [], (p) => [p.apparmor, p.apparmorReplace], [{}, true]],
    // apparmor-replace and apparmor-stack say how, not whether (plan/apparmor.ts)
    ['apparmor-replace', [], (p) => [p.apparmor, p.apparmorReplace], [undefined, true]],
    ['apparmor-replace\napparmor-stack\napparmor mine', [], (p) => [p.apparmor, p.apparmorReplace], [{ profile: 'mine' }, false]],
    ['name a\njoin-or-start b', [], (p) => [p.name, p.joinOrStart], ['a', 'b']],
    ['shell none', [], (p) => p.shell, 'none'],
    ['keep-fd 3\nkeep-fd 4,3', [], (p) => p.keepFds, [3, 4]],
    ['keep-fd 3', ['--keep-fd=all'], (p) => p.keepFds, 'all'],
    ['noautopulse', [], (p) => p.keepConfigPulse, true],
    ['no3d\nnou2f', [], (p) => [p.devices.no3d, p.devices.nou2f, p.devices.nosound], [true, true, false]],
    ['netfilter /etc/firejail/nolocal.net', [], (p) => p.netfilter, { kind: 'file', path: '/etc/firejail/nolocal.net', args: [] }],
    ['netfilter /etc/firejail/x.net,10.0.0.1,80', [], (p) => p.netfilter, { kind: 'file', path: '/etc/firejail/x.net', args: ['10.0.0.1', '80'] }],
    ['', ['--netfilter6=/etc/firejail/nolocal6.net'], (p) => p.netfilter6, { path: '/etc/firejail/nolocal6.net', args: [] }],
    ['quiet', [], (p) => p.quiet, true],
  ];
  for (const [text, argv, get, want] of single) {
    test(`${text.replace(/\n/g, '; ')} ${argv.join(' ')}`.trim(), () => expect(get(policy(`${text}\n`, argv))).toEqual(want));
  }

  test('lists accumulate without duplicates', () => {
    const p = policy('private-bin sh,ls\nprivate-bin ls,cat\nprivate-etc hosts\nprotocol unix\nprotocol inet,unix\nrestrict-namespaces user\nenv A=1\nrmenv B\n', [
      '--private-etc=passwd',
      '--env=A=2',
      '--protocol=inet6',
    ]);
    expect(p.privateBin).toEqual(['sh', 'ls', 'cat']);
    expect(p.privateEtc).toEqual(['hosts', 'passwd']);
    expect(p.seccomp?.protocols).toEqual(['unix', 'inet', 'inet6']);
    expect(p.seccomp?.restrictNamespaces).toEqual(['user']);
    expect(p.env).toEqual([['A', '1'], ['A', '2']]);
    expect(p.rmenv).toEqual(['B']);
  });

  test('seccomp: lists, 32-bit lists, error action, debuggers', () => {
    const p = policy('seccomp !chroot\nseccomp mount\nseccomp.32 !modify_ldt\nseccomp.drop @clock\nseccomp.keep read\nseccomp-error-action kill\nallow-debuggers\nmemory-deny-write-execute\nseccomp.block-secondary\n');
    expect(p.seccomp).toMatchObject({
      defaultList: true,
      extraDrop: [{ name: 'chroot', exclude: true }, { name: 'mount', exclude: false }],
      defaultList32: true,
      extraDrop32: [{ name: 'modify_ldt', exclude: true }],
      drop: [{ name: '@clock', exclude: false }],
      keep: [{ name: 'read', exclude: false }],
      errorAction: { kind: 'kill' },
      allowDebuggers: true,
      memoryDenyWriteExecute: true,
      blockSecondary: true,
    });
    expect(policy('nonewprivs\n').seccomp).toBeUndefined();
    expect(policy('protocol unix\n').seccomp?.defaultList).toBe(false);
  });

  test('D-Bus: filter with its rules; none is final; rules without a filter are reported', () => {
    const p = policy('dbus-user filter\ndbus-user.own org.a.*\ndbus-user.call org.b=org.b.X@/p\ndbus-system none\ndbus-system filter\n');
    expect(p.dbusUser).toMatchObject({ kind: 'filter', rules: [{ verb: 'own', name: 'org.a.*' }, { verb: 'call', name: 'org.b', rule: 'org.b.X@/p' }] });
    expect(p.dbusSystem).toEqual({ kind: 'none' });
    expect(policy('dbus-user none\n', ['--dbus-user=filter']).dbusUser).toEqual({ kind: 'none' });
    expect(policy('nodbus\n').dbusSystem).toEqual({ kind: 'none' });
    const r = resolve('dbus-user.talk org.x.Y\n');
    expect(r.diagnostics.map((d) => d.message)).toEqual(["1 dbus-user rule(s) have no effect: there is no 'dbus-user filter'"]);
  });

  test('network: interfaces and their settings, net none resets, a command-line net wins', () => {
    const p = policy('net eth0\nip 10.0.0.2\nmtu 1400\nnet br0\nip dhcp\nveth-name v0\ndns 1.1.1.1\ndns 9.9.9.9\ndefaultgw 10.0.0.1\n');
    expect(p.net).toEqual({ kind: 'interfaces', interfaces: [{ device: 'eth0', ip: '10.0.0.2', mtu: 1400 }, { device: 'br0', ip: 'dhcp', vethName: 'v0' }] });
    expect(p.dns).toEqual(['1.1.1.1', '9.9.9.9']);
    expect(policy('net eth0\n', ['--net=none']).net).toEqual({ kind: 'none' });
    expect(policy('net none\n', ['--net=eth1']).net).toEqual({ kind: 'interfaces', interfaces: [{ device: 'eth1' }] });
    expect(policy('netns vpn\n').net).toEqual({ kind: 'netns', name: 'vpn' });
  });

  const netErrors: [string, string][] = [
    ['ip 10.0.0.2\n', "'ip' configures the interface of a 'net INTERFACE' command, and there is none before it"],
    ['net none\nmac 00:11:22:33:44:55\n', "'mac' configures the interface"],
    ['net a\nnet b\nnet c\nnet d\nnet e\n', 'at most 4 network interfaces'],
    ['net a\nnet a\n', "interface 'a' is given twice"],
    ['dns 1.1.1.1\ndns 1.0.0.1\ndns 8.8.8.8\ndns 8.8.4.4\n', 'at most 3 DNS servers'],
    ['private-bin\n', "'private-bin' needs an argument"],
  ];
  for (const [text, message] of netErrors) {
    test(`${text.trim().replace(/\n/g, '; ')} is an error`, () => {
      const file = `e${n++}.profile`;
      tree.write(file, text);
      const loaded = loadFrom(tree, file, { env: fakeEnv() });
      const r = resolvePolicy({ profile: loaded.directives, cli: [] });
      const all = [...loaded.diagnostics, ...r.diagnostics].filter((d) => d.severity === 'error').map((d) => d.message);
      expect(all.some((m) => m.includes(message))).toBe(true);
    });
  }
});

describe('what kiln does not enforce', () => {
  test('every directive whose command is not enforced is listed with its origin; enforced ones are not', () => {
    // Every profile command is enforced now (tracelog last); --scan still is not. (--trace and --build
    // never reach the policy: the command line parses them.)
    const p = policy('tracelog\nseccomp\nnetlock\nblacklist /x\nnet none\nnet eth0\n', ['--scan', '--apparmor', '--tracelog']);
    expect(p.notEnforced.map((x) => x.command)).toEqual(['scan']);
    expect(p.notEnforced[0]?.origin).toEqual({ kind: 'cli', option: '--scan' });
  });

  test('--chroot=DIR is enforced (control: --scan is not); without a DIR it is a usage error', () => {
    const p = policy('', ['--chroot=/srv/c', '--scan']);
    expect(p.chroot).toBe('/srv/c');
    expect(p.notEnforced.map((x) => x.command)).toEqual(['scan']);
    expect(() => resolve('', ['--chroot='])).toThrow(UsageError);
  });

  test('ignored lines are recorded', () => {
    const p = policy('ignore seccomp\nseccomp\n');
    expect(p.ignored).toEqual([{ text: 'seccomp', pattern: 'seccomp', origin: expect.objectContaining({ kind: 'profile', line: 2 }) }]);
    expect(p.seccomp).toBeUndefined();
  });
});

describe('rules every sandbox gets', () => {
  test("the user's profile directories are read-only, after everything else", () => {
    const r = resolvePolicy({ profile: [], cli: [], home: '/home/u' });
    expect(r.policy.fs.map((x) => `${x.kind} ${'path' in x ? x.path : ''}`)).toEqual(['read-only /home/u/.config/kiln', 'read-only /home/u/.config/firejail']);
    expect(resolvePolicy({ profile: [], cli: [], home: '/' }).policy.fs).toEqual([]);
  });
});
