/** --appimage on a fake host: squashfuse as a helper, the mount's place and order, the program and its variables. */
import { describe, expect, test } from 'bun:test';
import { HostError, UsageError } from '../errors.ts';
import type { AppImageFile } from '../host/appimage.ts';
import type { HostFacts } from '../host/facts.ts';
import { fakeFsView, type PathType } from '../host/fsview.ts';
import { emptyPolicy, type FsRule, type Policy } from '../policy/policy.ts';
import { planFilesystem } from '../plan/filesystem.ts';
import { planLaunch } from '../plan/plan.ts';

type Entry = PathType | { readonly type: PathType; readonly uid: number };
const origin = { kind: 'cli', option: '--x' } as const as FsRule['origin'];
const IMAGE: AppImageFile = { typed: 'Krita-5.2.2-x86_64.AppImage', path: '/home/me/Krita-5.2.2-x86_64.AppImage', offset: 188392, id: 'x' };

function facts(who: 'root' | 'user', env: Record<string, string> = {}, drop: readonly string[] = []): HostFacts {
  const uid = who === 'root' ? 0 : 1001;
  const home = who === 'root' ? '/root' : '/home/me';
  const entries: Record<string, Entry> = {
    [home]: { type: 'dir', uid },
    '/home/me/Krita-5.2.2-x86_64.AppImage': { type: 'file', uid: 1001 },
    '/tmp': 'dir',
    '/run/kiln': 'dir',
    '/run/user': 'dir',
    '/run/user/1001': { type: 'dir', uid: 1001 },
    '/run/user/1001/kiln': { type: 'dir', uid: 1001 },
    '/usr/bin/squashfuse': 'file',
    '/usr/bin/fusermount3': 'file',
    '/usr/bin/env': 'file',
    '/dev/fuse': 'other',
    '/dev/null': 'other',
  };
  for (const p of drop) delete entries[p];
  return {
    fs: fakeFsView(entries, {}),
    home,
    uid,
    gid: uid,
    isRoot: who === 'root',
    user: who === 'root' ? 'root' : 'me',
    shell: '/bin/sh',
    cwd: '/home/me',
    env,
    arch: 'x64',
    landlockAbi: 6,
    capLastCap: 40,
    capPermitted: 0n,
    bwrap: { path: '/usr/bin/bwrap', options: new Set<string>() },
    tools: { tini: '/usr/bin/tini', env: '/usr/bin/env', setpriv: '/usr/bin/setpriv' },
    stateDir: who === 'root' ? '/run/kiln' : '/run/user/1001/kiln',
    cacheDir: `${home}/.cache/kiln`,
    randomId: '0'.repeat(32),
  } as unknown as HostFacts;
}

const fsPlan = (who: 'root' | 'user', policy: Partial<Policy> = {}, env: Record<string, string> = {}, drop: readonly string[] = []) =>
  planFilesystem({ ...emptyPolicy(), ...policy }, facts(who, env, drop), undefined, IMAGE);

describe('--appimage plan', () => {
  test('squashfuse mounts the squashfs at its offset, in the foreground, tied to the sandbox by the parent-death signal', () => {
    const helper = fsPlan('user').appimage?.helper;
    expect(helper?.path).toBe('/usr/bin/squashfuse');
    expect(helper?.pkg).toBe('squashfuse');
    expect(helper?.args).toEqual(['-f', '-o', 'offset=188392,ro,nosuid,nodev,auto_unmount', IMAGE.path, { kind: 'path', name: 'appimage' }]);
    expect(helper?.readiness).toEqual({ kind: 'mount', name: 'appimage' });
    expect(helper?.lifetime).toEqual({ kind: 'parent', setpriv: '/usr/bin/setpriv' });
    expect(helper?.before).toEqual([{ kind: 'mkdir', name: 'appimage' }]);
  });

  test("the mount is bound read-only in kiln's state directory, covered by a read-only tmpfs, after every other op", () => {
    for (const [who, state] of [['root', '/run/kiln'], ['user', '/run/user/1001/kiln']] as const) {
      // A profile that covers the place with tmpfs and blacklists around it: the mount still comes last there.
      const fs = fsPlan(who, { fs: [{ kind: 'tmpfs', path: '/run/user/1001', origin }, { kind: 'blacklist', path: state, nolog: false, except: [], origin }], privateTmp: true });
      expect(fs.appimage?.appDir).toBe(`${state}/appimage`);
      const at = (dest: string) => fs.mounts.map((m, i) => [m, i] as const).filter(([m]) => m.dest === dest);
      const bind = at(`${state}/appimage`);
      expect(bind.map(([m]) => m)).toEqual([{ kind: 'helper-bind', socket: 'appimage', dest: `${state}/appimage` }]);
      const covers = fs.mounts.filter((m) => m.kind !== 'remount-ro' && (m.dest === state || state.startsWith(`${m.dest}/`)));
      expect(covers.at(-1)).toEqual({ kind: 'tmpfs', dest: state, perms: 0o755 });
      // Nothing is mounted over or above it afterwards, but the tmpfs's own read-only remount.
      const later = fs.mounts.slice((bind[0]?.[1] ?? 0) + 1).filter((m) => `${state}/appimage`.startsWith(m.dest));
      expect(later).toEqual([{ kind: 'remount-ro', dest: state }]);
      // Control: without --appimage the state directory is hidden, as in every sandbox.
      const plain = planFilesystem({ ...emptyPolicy() }, facts(who));
      expect(plain.mounts.some((m) => m.dest === `${state}/appimage`)).toBe(false);
      expect(plain.report.blacklisted).toContain(state);
    }
  });

  test("a profile's noexec above the mount leaves the mount itself executable", () => {
    const fs = fsPlan('user', { fs: [{ kind: 'noexec', path: '/run/user/1001', origin }, { kind: 'noexec', path: '/tmp', origin }] });
    const remounts = fs.initSteps.filter((s) => s.kind === 'remount');
    expect(remounts.find((s) => s.dest === '/run/user/1001')).toMatchObject({ flags: ['noexec', 'nosuid', 'nodev'], keep: ['/run/user/1001/kiln/appimage'] });
    // Control: a noexec elsewhere keeps nothing.
    expect(remounts.find((s) => s.dest === '/tmp')).not.toHaveProperty('keep');
  });

  test('a profile that hides the directory holding the mount point is an error, not a program that cannot start', () => {
    expect(() => fsPlan('user', { fs: [{ kind: 'blacklist', path: '/run/user/1001', nolog: false, except: [], origin }] })).toThrow(UsageError);
    expect(() => fsPlan('user', { fs: [{ kind: 'blacklist', path: '/run/user/1001/kiln', nolog: false, except: [], origin }] })).not.toThrow();
  });

  test('missing host pieces name their package; KILN_SQUASHFUSE overrides the path', () => {
    expect(() => fsPlan('user', {}, {}, ['/usr/bin/squashfuse'])).toThrow(new HostError('--appimage needs squashfuse, which was not found: install the squashfuse package (apt-get install squashfuse)'));
    expect(() => fsPlan('user', {}, {}, ['/usr/bin/fusermount3'])).toThrow(/fuse3 package/);
    expect(() => fsPlan('user', {}, {}, ['/dev/fuse'])).toThrow(/\/dev\/fuse/);
    expect(fsPlan('user', {}, { KILN_SQUASHFUSE: '/opt/sq' }, ['/usr/bin/squashfuse']).appimage?.helper.path).toBe('/opt/sq');
  });

  test("the program is $APPDIR/AppRun with the user's arguments and the runtime's variables; private-bin and private-lib do not apply", () => {
    const policy = { ...emptyPolicy(), privateBin: ['sh'], env: [['OWD', '/elsewhere']] as [string, string][] };
    const plan = planLaunch(policy, facts('user'), { argv: [IMAGE.typed, '--x', 'a b'], appimage: IMAGE });
    expect(plan.argv).toEqual(['/run/user/1001/kiln/appimage/AppRun', '--x', 'a b']);
    expect(plan.helpers.map((h) => h.name)).toEqual(['squashfuse']);
    const env = new Map(plan.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    expect([env.get('APPDIR'), env.get('APPIMAGE'), env.get('ARGV0')]).toEqual(['/run/user/1001/kiln/appimage', IMAGE.path, IMAGE.typed]);
    // The profile's env comes after the runtime's, and wins.
    expect(env.get('OWD')).toBe('/elsewhere');
    expect(plan.warnings.some((w) => w.includes('private-bin'))).toBe(true);
    expect(plan.mounts.some((m) => m.dest === '/usr/bin' && m.kind === 'tmpfs')).toBe(false);
    // Control: the same policy for a plain program applies private-bin.
    const plain = planLaunch({ ...policy, privateBin: ['env'] }, facts('user'), { argv: ['env'] });
    expect(plain.warnings.some((w) => w.includes('private-bin'))).toBe(false);
    expect(plain.helpers).toEqual([]);
  });
});
