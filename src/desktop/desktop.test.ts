/** The D-Bus and X11 halves of a plan, on a fake host: the proxy's arguments, the binds, the environment. */
import { describe, expect, test } from 'bun:test';
import type { HostFacts } from '../host/facts.ts';
import { fakeFsView, type PathType } from '../host/fsview.ts';
import { emptyPolicy, type DbusRule, type Policy } from '../policy/policy.ts';
import { planFilesystem } from '../plan/filesystem.ts';

type Entry = PathType | { readonly symlink: string } | { readonly type: PathType; readonly uid: number };
const origin = { kind: 'cli', option: '--x' } as const;

function plan(policy: Partial<Policy>, env: Record<string, string>, extra: Record<string, Entry> = {}) {
  const entries: Record<string, Entry> = {
    '/home/me': { type: 'dir', uid: 1001 },
    '/home/me/.Xauthority': { type: 'file', uid: 1001 },
    '/tmp': 'dir',
    '/tmp/.X11-unix': 'dir',
    '/run/user': 'dir',
    '/run/user/1001': { type: 'dir', uid: 1001 },
    '/run/user/1001/bus': { type: 'other', uid: 1001 },
    '/run/dbus/system_bus_socket': 'other',
    '/usr/bin/xdg-dbus-proxy': 'file',
    '/usr/bin/Xvfb': 'file',
    '/usr/bin/xauth': 'file',
    '/dev/null': 'other',
    ...extra,
  };
  const facts = {
    fs: fakeFsView(entries, {}),
    home: '/home/me',
    uid: 1001,
    gid: 1001,
    isRoot: false,
    shell: '/bin/sh',
    cwd: '/',
    env,
    arch: 'x64',
    landlockAbi: 6,
    tools: { tini: '/usr/bin/tini', env: '/usr/bin/env', setpriv: '/usr/bin/setpriv' },
    stateDir: '/run/user/1001/kiln',
    cacheDir: '/home/me/.cache/kiln',
  } as unknown as HostFacts;
  return planFilesystem({ ...emptyPolicy(), ...policy }, facts);
}

const rule = (verb: 'own' | 'talk' | 'see', name: string): DbusRule => ({ verb, name, origin });

describe('dbus filter', () => {
  test("Firejail's rules map one to one onto the proxy's arguments, one section per bus", () => {
    const fs = plan(
      {
        dbusUser: { kind: 'filter', log: true, rules: [rule('talk', 'org.a.B'), rule('own', 'org.c.*'), { verb: 'call', name: 'org.a.B', rule: 'org.a.B.M@/p', origin }] },
        dbusSystem: { kind: 'filter', log: false, rules: [rule('see', 'org.freedesktop.login1')] },
      },
      { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/tmp/real-bus,guid=1' },
      { '/tmp/real-bus': 'other' },
    );
    const [proxy] = fs.sockets.helpers;
    expect(fs.sockets.helpers.length).toBe(1);
    expect(proxy?.argsFile).toEqual([
      'unix:path=/tmp/real-bus,guid=1', { kind: 'path', name: 'dbus-user' }, '--filter', '--log', '--talk=org.a.B', '--own=org.c.*', '--call=org.a.B=org.a.B.M@/p',
      'unix:path=/run/dbus/system_bus_socket', { kind: 'path', name: 'dbus-system' }, '--filter', '--see=org.freedesktop.login1',
    ]);
    expect(proxy?.lifetime).toEqual({ kind: 'fd' });
    expect(fs.mounts.filter((m) => m.kind === 'helper-bind')).toEqual([
      { kind: 'helper-bind', socket: 'dbus-system', dest: '/run/dbus/system_bus_socket' },
      { kind: 'helper-bind', socket: 'dbus-user', dest: '/run/user/1001/bus' },
    ]);
    // The real bus's socket is hidden; the sandbox is pointed at the proxy's.
    expect(fs.report.blacklisted).toContain('/tmp/real-bus');
    expect(fs.sockets.setEnv).toEqual([['DBUS_SESSION_BUS_ADDRESS', 'unix:path=/run/user/1001/bus']]);
    expect(fs.sockets.scopeAbstract).toBe(true);
  });

  test('$XDG_RUNTIME_DIR/bus is the session bus when DBUS_SESSION_BUS_ADDRESS is unset', () => {
    const fs = plan({ dbusUser: { kind: 'filter', log: false, rules: [] } }, {});
    expect(fs.sockets.helpers[0]?.argsFile?.[0]).toBe('unix:path=/run/user/1001/bus');
    expect(fs.sockets.warnings).toEqual([]);
  });
});

describe('x11', () => {
  test('xvfb: a nested server on a display chosen at launch, its socket bound last, the user cookie hidden', () => {
    const fs = plan({ x11: { kind: 'server', mode: 'xvfb' } }, { DISPLAY: ':0', XAUTHORITY: '/home/me/.Xauthority' });
    const [xvfb] = fs.sockets.helpers;
    expect(xvfb?.path).toBe('/usr/bin/Xvfb');
    expect(xvfb?.args).toContainEqual({ kind: 'display' });
    expect(xvfb?.args.filter((a) => a === 'local' || a === 'tcp')).toEqual(['tcp', 'local']);
    expect(xvfb?.lifetime).toEqual({ kind: 'parent', setpriv: '/usr/bin/setpriv' });
    expect(fs.mounts.at(-1)).toEqual({ kind: 'helper-display-bind', dest: '/tmp/.X11-unix' });
    expect(fs.mounts.find((m) => m.dest === '/tmp/.X11-unix')?.kind).toBe('tmpfs');
    expect(fs.report.blacklisted).toContain('/home/me/.Xauthority');
    expect(fs.sockets.unsetEnv).toContain('DISPLAY');
    expect(fs.sockets.setEnv).toEqual([['XAUTHORITY', '/tmp/.X11-unix/.kiln-Xauthority']]);
  });

  test('xorg: xauth generate untrusted against the user display, shown under another number', () => {
    const fs = plan({ x11: { kind: 'server', mode: 'xorg' } }, { DISPLAY: ':7' }, { '/tmp/.X11-unix/X7': 'other' });
    const [xauth] = fs.sockets.helpers;
    expect(xauth?.args).toEqual(['-q', '-f', { kind: 'path', name: 'xauthority' }, 'generate', ':7', 'MIT-MAGIC-COOKIE-1', 'untrusted', 'timeout', '0']);
    expect(xauth?.after).toEqual([{ kind: 'xauth-wildcard', name: 'xauthority' }, { kind: 'link-x11-socket', hostDisplay: 7 }]);
  });

  test('xephyr without a display stops the plan; a missing server names its package', () => {
    expect(() => plan({ x11: { kind: 'server', mode: 'xephyr' } }, {}, { '/usr/bin/Xephyr': 'file' })).toThrow(/DISPLAY/);
    expect(() => plan({ x11: { kind: 'server', mode: 'xpra' } }, {})).toThrow(/apt-get install xpra/);
  });

  test('xpra: a server contained to the helper directory, and a client when there is a display', () => {
    const fs = plan({ x11: { kind: 'server', mode: 'xpra' } }, { DISPLAY: ':0' }, { '/usr/bin/xpra': 'file' });
    const [server, client] = fs.sockets.helpers;
    expect([server?.name, client?.name]).toEqual(['xpra', 'xpra-attach']);
    expect(server?.setEnv?.map(([k]) => k)).toEqual(['HOME', 'XDG_RUNTIME_DIR', 'XAUTHORITY']);
    expect(server?.args).toEqual(expect.arrayContaining(['--daemon=no', '--dbus-launch=', '--pulseaudio=no', '--mdns=no']));
    expect(client?.readiness).toEqual({ kind: 'started' });
    const headless = plan({ x11: { kind: 'server', mode: 'xpra' } }, {}, { '/usr/bin/xpra': 'file' });
    expect(headless.sockets.helpers.map((h) => h.name)).toEqual(['xpra']);
  });

  test('bare x11 picks xpra, then xephyr, with a display; else xvfb', () => {
    expect(plan({ x11: { kind: 'server', mode: 'auto' } }, { DISPLAY: ':0' }, { '/usr/bin/Xephyr': 'file', '/usr/bin/xpra': 'file' }).sockets.helpers[0]?.name).toBe('xpra');
    const withDisplay = plan({ x11: { kind: 'server', mode: 'auto' } }, { DISPLAY: ':0' }, { '/usr/bin/Xephyr': 'file' });
    expect(withDisplay.sockets.helpers[0]?.name).toBe('Xephyr');
    const headless = plan({ x11: { kind: 'server', mode: 'auto' } }, {}, { '/usr/bin/Xephyr': 'file' });
    expect(headless.sockets.helpers[0]?.name).toBe('Xvfb');
  });
});
