import { describe, expect, test } from 'bun:test';
import { HostError } from '../errors.ts';
import { checkChroot, chrootFsView, chrootSource } from './chroot.ts';
import { fakeFsView, type FsView, type PathType } from './fsview.ts';

type Entry = PathType | { readonly symlink: string } | { readonly type: PathType; readonly uid: number };

/** A fake host whose directories have the given modes (fakeFsView's are all 0755). */
function hostWith(entries: Record<string, Entry>, modes: Record<string, number> = {}): FsView {
  const fs = fakeFsView(entries, { '/srv/c/MARKER': 'm' });
  return {
    ...fs,
    lstat: (p) => {
      const i = fs.lstat(p);
      return i === undefined ? undefined : { ...i, mode: modes[p] ?? i.mode };
    },
  };
}

const ROOT_TREE: Record<string, Entry> = {
  '/srv': { type: 'dir', uid: 0 },
  '/srv/c': { type: 'dir', uid: 0 },
  '/srv/c/MARKER': { type: 'file', uid: 0 },
  '/srv/link': { symlink: '/srv/c' },
  '/srv/mine': { type: 'dir', uid: 1001 },
  '/tmp': { type: 'dir', uid: 0 },
  '/tmp/t': { type: 'dir', uid: 1001 },
};

function problem(given: string, uid: number, modes: Record<string, number> = {}, cwd = '/'): string | undefined {
  try {
    checkChroot(given, cwd, uid, hostWith(ROOT_TREE, { '/tmp': 0o1777, ...modes }));
    return undefined;
  } catch (e) {
    if (!(e instanceof HostError)) throw e;
    return e.message;
  }
}

describe('--chroot checks', () => {
  test('a root-owned directory with root-owned, closed parents passes, for root and for a user (controls)', () => {
    expect(problem('/srv/c', 0)).toBeUndefined();
    expect(problem('/srv/c', 1001)).toBeUndefined();
    expect(problem('c', 0, {}, '/srv')).toBeUndefined();
    expect(checkChroot('/srv//./c/', '/', 0, hostWith(ROOT_TREE))).toBe('/srv/c');
  });
  test("the caller's own directory: a user's may be theirs, root's must be root's", () => {
    expect(problem('/srv/mine', 1001)).toBeUndefined();
    expect(problem('/srv/mine', 0)).toContain('/srv/mine belongs to uid 1001');
    expect(problem('/srv/mine', 1002)).toContain('/srv/mine belongs to uid 1001');
  });
  test('each failed check names the path at fault', () => {
    expect(problem('/srv/nope', 0)).toContain('/srv/nope does not exist');
    expect(problem('/nope/c', 0)).toContain('/nope does not exist (on the way to /nope/c)');
    expect(problem('/srv/link', 0)).toContain('/srv/link is a symbolic link');
    expect(problem('/srv/link', 0)).toContain('(/srv/c)');
    expect(problem('/srv/c/MARKER', 0)).toContain('/srv/c/MARKER is not a directory');
    expect(problem('/srv/c', 0, { '/srv': 0o775 })).toContain('/srv is writable by its group');
    expect(problem('/srv/c', 0, { '/srv/c': 0o757 })).toContain('/srv/c is writable by others');
    expect(problem('/', 0)).toContain("host's own root");
    expect(problem('/srv/../srv/c', 0)).toContain("'..'");
  });
  test('a sticky parent writable by all (/tmp) is accepted; a sticky chroot is not', () => {
    expect(problem('/tmp/t', 1001)).toBeUndefined();
    expect(problem('/tmp/t', 1001, { '/tmp': 0o777 })).toContain('/tmp is writable by group and others');
    expect(problem('/tmp/t', 1001, { '/tmp/t': 0o1777 })).toContain('/tmp/t is writable');
  });
});

describe('the chroot view', () => {
  const host = fakeFsView({
    '/c/usr/bin/prog': 'file',
    '/c/bin': { symlink: 'usr/bin' },
    '/c/etc/alt': { symlink: '/usr/bin/prog' },
    '/c/up': { symlink: '../../../usr' },
    '/c/dev': 'dir',
    '/c/proc': 'dir',
    '/dev/null': 'other',
    '/usr/bin/hostonly': 'file',
    '/sys/kernel': 'dir',
  });
  const view = chrootFsView(host, '/c');
  test('paths are DIR’s; the host’s own files are not there (control: they are on the host)', () => {
    expect(view.lstat('/usr/bin/prog')?.type).toBe('file');
    expect(host.lstat('/usr/bin/hostonly')?.type).toBe('file');
    expect(view.lstat('/usr/bin/hostonly')).toBeUndefined();
  });
  test('symlinks resolve inside DIR: absolute targets and .. stop at its root', () => {
    expect(view.realpath('/bin/prog')).toBe('/usr/bin/prog');
    expect(view.lstat('/bin/prog')?.type).toBe('file');
    expect(view.realpath('/etc/alt')).toBe('/usr/bin/prog');
    expect(view.realpath('/up/bin/prog')).toBe('/usr/bin/prog');
    expect(view.readlink('/bin')).toBe('usr/bin');
    expect(view.list('/bin')).toEqual(['prog']);
  });
  test("beneath DIR's /dev and /proc the host's show; without DIR's /sys, none", () => {
    expect(view.lstat('/dev/null')?.type).toBe('other');
    expect(view.lstat('/dev')?.uid).toBe(host.lstat('/c/dev')?.uid);
    expect(host.lstat('/sys/kernel')?.type).toBe('dir');
    expect(view.lstat('/sys/kernel')).toBeUndefined();
  });
  test('bind sources: DIR’s files, the host’s kernel trees', () => {
    expect(chrootSource('/c', '/')).toBe('/c');
    expect(chrootSource('/c', '/etc/passwd')).toBe('/c/etc/passwd');
    expect(chrootSource('/c', '/dev')).toBe('/dev');
    expect(chrootSource('/c', '/proc/sys')).toBe('/proc/sys');
    expect(chrootSource('/c', '/devices')).toBe('/c/devices');
  });
});
