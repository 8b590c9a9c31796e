import { describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import { chrootFsView } from '../host/chroot.ts';
import type { HostFacts } from '../host/facts.ts';
import { fakeFsView, type PathType } from '../host/fsview.ts';
import { emptyPolicy, type FsRule, type Policy } from '../policy/policy.ts';
import { CHROOT_AT } from './chroot.ts';
import { planFilesystem } from './filesystem.ts';

type Entry = PathType | { readonly symlink: string } | { readonly type: PathType; readonly uid: number };
const origin = { file: 'test.profile', line: 1, col: 1 } as unknown as FsRule['origin'];

const HOST: Record<string, Entry> = {
  '/usr/bin/sh': 'file',
  '/lib64': { symlink: 'usr/lib64' },
  '/usr/lib64/ld-linux-x86-64.so.2': 'file',
  '/tmp/.X11-unix': 'dir',
  '/run/user/1001/bus': 'other',
  '/etc/resolv.conf': 'file',
  '/dev/null': 'other',
  '/home/me': { type: 'dir', uid: 1001 },
};

/** A chroot at /c with sh, an /etc/sub to blacklist, and the mount points a sandbox needs. */
const CHROOT: Record<string, Entry> = {
  '/c/bin/sh': 'file',
  '/c/etc/sub/f': 'file',
  '/c/etc/resolv.conf': 'file',
  '/c/dev': 'dir',
  '/c/proc': 'dir',
  '/c/usr/bin': 'dir',
  '/c/tmp/.X11-unix': 'dir',
};

function plan(who: 'root' | 'user', policy: Partial<Policy>, chroot: Record<string, Entry> = CHROOT) {
  const uid = who === 'root' ? 0 : 1001;
  const host = fakeFsView({ ...HOST, ...chroot });
  const facts = {
    fs: chrootFsView(host, '/c'),
    chroot: { dir: '/c', host },
    home: who === 'root' ? '/root' : '/home/me',
    uid,
    gid: uid,
    isRoot: who === 'root',
    shell: '/bin/sh',
    cwd: '/',
    env: {},
    arch: 'x64',
    stateDir: '/run/kiln',
    cacheDir: '/root/.cache/kiln',
  } as unknown as HostFacts;
  return planFilesystem({ ...emptyPolicy(), ...policy }, facts);
}

const summary = (p: ReturnType<typeof plan>) => p.mounts.map((m) => `${m.kind} ${'src' in m ? `${m.src} ` : ''}${'target' in m ? `${m.target} ` : ''}${m.dest}`);

describe('--chroot plan', () => {
  test("bwrap's root has only the host's libraries; the chroot goes beneath CHROOT_AT, from DIR", () => {
    for (const who of ['root', 'user'] as const) {
      const s = summary(plan(who, {}));
      expect(s.slice(0, 4)).toEqual(['ro-bind /usr /usr', 'symlink usr/lib64 /lib64', `symlink ${CHROOT_AT.slice(1)}/proc /proc`, `symlink ${CHROOT_AT.slice(1)}/dev /dev`]);
      expect(s).toContain(`bind /c ${CHROOT_AT}`);
      expect(s).toContain(`dev-bind /dev ${CHROOT_AT}/dev`);
      expect(s).toContain(`proc ${CHROOT_AT}/proc`);
      // Nothing else lands outside the chroot.
      expect(s.slice(4).every((x) => x.endsWith(CHROOT_AT) || x.includes(` ${CHROOT_AT}/`))).toBe(true);
    }
  });
  test("the chroot's system directories are not made read-only for root (control: they are without a chroot)", () => {
    expect(summary(plan('root', {})).filter((x) => x.endsWith(`${CHROOT_AT}/usr`))).toEqual([]);
  });
  test('a blacklist names a path inside the chroot', () => {
    const rule: FsRule = { kind: 'blacklist', path: '/etc/sub', nolog: false, except: [], origin };
    expect(summary(plan('user', { fs: [rule] }))).toContain(`tmpfs ${CHROOT_AT}/etc/sub`);
    expect(summary(plan('user', {})).some((x) => x.includes('/etc/sub'))).toBe(false);
  });
  test("the host's X11 sockets, session bus and resolv.conf, where DIR has a place for them and the policy allows", () => {
    const s = summary(plan('user', {}));
    expect(s).toContain(`bind /tmp/.X11-unix ${CHROOT_AT}/tmp/.X11-unix`);
    expect(s).toContain(`ro-bind /etc/resolv.conf ${CHROOT_AT}/etc/resolv.conf`);
    // DIR has no /run/user/1001/bus: nothing is made there.
    expect(s.some((x) => x.includes('/bus'))).toBe(false);
    expect(summary(plan('user', { x11: { kind: 'none' } })).some((x) => x.startsWith('bind /tmp/.X11-unix'))).toBe(false);
    expect(summary(plan('user', { dns: ['1.1.1.1'] })).some((x) => x.startsWith('ro-bind /etc/resolv.conf'))).toBe(false);
  });
  test('a mount point DIR lacks is an error, not a directory made in DIR (control: with it, no error)', () => {
    const { '/c/proc': _, ...noProc } = CHROOT;
    expect(() => plan('user', {}, noProc)).toThrow(UsageError);
    expect(() => plan('user', {}, noProc)).toThrow('/c/proc does not exist');
    expect(() => plan('user', { privateTmp: true }, { ...CHROOT, '/c/tmp': { symlink: '/nowhere' } })).toThrow(UsageError);
    expect(() => plan('user', { privateTmp: true })).not.toThrow();
  });
  test('helpers that would need a socket placed in DIR are refused', () => {
    expect(() => plan('user', { dbusUser: { kind: 'filter', rules: [], log: false } })).toThrow(UsageError);
    expect(() => plan('user', { dbusUser: { kind: 'none' } })).not.toThrow();
  });
});
