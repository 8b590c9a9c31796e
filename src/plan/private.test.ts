import { describe, expect, test } from 'bun:test';
import type { HostFacts } from '../host/facts.ts';
import { fakeFsView, type PathType } from '../host/fsview.ts';
import { emptyPolicy, type FsRule, type Policy } from '../policy/policy.ts';
import { planFilesystem } from './filesystem.ts';
import { hostMkdirs, type MkRule } from './mkdirs.ts';
import type { MountOp } from './types.ts';

type Entry = PathType | { readonly symlink: string } | { readonly type: PathType; readonly uid: number };
const origin = { file: 'test.profile', line: 1, col: 1 } as unknown as FsRule['origin'];

function host(home: string, uid: number, extra: Record<string, Entry> = {}): Record<string, Entry> {
  return {
    '/home/alice': { type: 'dir', uid: 1000 },
    '/root': { type: 'dir', uid: 0 },
    '/tmp': 'dir',
    '/etc/skel/.bashrc': { type: 'file', uid: 0 },
    [home]: { type: 'dir', uid },
    [`${home}/.Xauthority`]: { type: 'file', uid },
    [`${home}/.cache/kiln`]: { type: 'dir', uid },
    [`${home}/.zshrc`]: { type: 'file', uid },
    ...extra,
  };
}

const CONTENTS = { '/etc/skel/.bashrc': '# skel\n', '/home/me/.Xauthority': 'cookie', '/root/.Xauthority': 'cookie', '/home/me/.bashrc': '# mine\n' };

function plan(who: 'root' | 'user', policy: Partial<Policy>, extra: Record<string, Entry> = {}, shell = '/bin/bash') {
  const home = who === 'root' ? '/root' : '/home/me';
  const uid = who === 'root' ? 0 : 1001;
  const facts = {
    fs: fakeFsView(host(home, uid, extra), CONTENTS),
    home,
    uid,
    gid: uid,
    isRoot: who === 'root',
    shell,
    cwd: '/',
    env: {},
    arch: 'x64',
    stateDir: who === 'root' ? '/run/kiln' : `${home}/.cache/kiln`,
    cacheDir: `${home}/.cache/kiln`,
  } as unknown as HostFacts;
  const fs = planFilesystem({ ...emptyPolicy(), ...policy }, facts);
  const at = (dest: string): MountOp[] => fs.mounts.filter((m) => m.dest === dest);
  const under = (dir: string): string[] => fs.mounts.filter((m) => m.dest.startsWith(`${dir}/`)).map((m) => `${m.kind} ${m.dest}`);
  const noexec = fs.initSteps.flatMap((s) => (s.kind === 'remount' && s.flags.includes('noexec') ? [s.dest] : []));
  return { fs, at, under, noexec };
}

const mk = (kind: 'mkdir' | 'mkfile', path: string): MkRule => ({ kind, path, origin });
const blacklist = (path: string): FsRule => ({ kind: 'blacklist', path, nolog: false, except: [], origin });

describe('private home', () => {
  test("root's private empties /home, replaces /root, and mounts both noexec", () => {
    const p = plan('root', { privateHome: { kind: 'tmpfs' } });
    expect(p.at('/home').map((m) => m.kind)).toEqual(['tmpfs']);
    expect(p.under('/home')).toEqual([]);
    expect(p.at('/root').map((m) => m.kind)).toEqual(['tmpfs']);
    expect(p.noexec).toEqual(expect.arrayContaining(['/home', '/root']));
    // control: without private, root's /home is the host's
    expect(plan('root', {}).at('/home')).toEqual([]);
    // allusers keeps the homes, as in Firejail
    expect(plan('root', { privateHome: { kind: 'tmpfs' }, allusers: true }).at('/home')).toEqual([]);
  });

  test("a user's private: /home read-only with only the home in it, /root hidden", () => {
    const p = plan('user', { privateHome: { kind: 'tmpfs' } });
    expect(p.at('/home').map((m) => m.kind)).toEqual(['tmpfs', 'remount-ro']);
    expect(p.at('/home/me').map((m) => m.kind)).toEqual(['tmpfs']);
    expect(p.under('/home').filter((m) => !m.includes('/home/me'))).toEqual([]);
    // hidden by bwrap or, since the init stage runs anyway, by the init stage
    expect(p.at('/root').length + p.fs.initSteps.filter((s) => s.kind === 'hide' && s.dest === '/root').length).toBe(1);
    expect(p.noexec).toEqual(expect.arrayContaining(['/home', '/home/me']));
    // private-home is not noexec, as in Firejail
    expect(plan('user', { privateHomeList: ['.zshrc'] }).noexec).toEqual([]);
  });

  test('the home holds the skel rc file, .inputrc and a copy of .Xauthority, and no stray ~/.cache', () => {
    const p = plan('user', { privateHome: { kind: 'tmpfs' } });
    expect(p.under('/home/me').sort()).toEqual(['file /home/me/.Xauthority', 'file /home/me/.bashrc', 'file /home/me/.inputrc']);
    const blob = (dest: string) => {
      const op = p.at(dest)[0];
      return op?.kind === 'file' ? new TextDecoder().decode(p.fs.blobs[op.blob]) : undefined;
    };
    expect(blob('/home/me/.bashrc')).toBe('# skel\n');
    expect(blob('/home/me/.inputrc')).toBe('set disable-completion on\n');
    expect(blob('/home/me/.Xauthority')).toBe('cookie');
    // Only the user's own file is a copy the cache must not keep; skel is not.
    expect(p.fs.copies.map((c) => c.src)).toEqual(['/home/me/.Xauthority']);
    // tab keeps .inputrc out; zsh gets an empty .zshrc instead of .bashrc
    expect(plan('user', { privateHome: { kind: 'tmpfs' }, tab: true }).at('/home/me/.inputrc')).toEqual([]);
    const z = plan('user', { privateHome: { kind: 'tmpfs' } }, {}, '/usr/bin/zsh');
    expect(z.at('/home/me/.bashrc')).toEqual([]);
    expect(z.at('/home/me/.zshrc').map((m) => m.kind)).toEqual(['file']);
  });

  test('a private-home list item wins over the seeded file; a symlink out of the home is not followed', () => {
    const p = plan('user', { privateHomeList: ['.bashrc'] }, { '/home/me/.bashrc': { type: 'file', uid: 1001 } });
    expect(p.fs.copies.map((c) => c.src).sort()).toEqual(['/home/me/.Xauthority', '/home/me/.bashrc']);
    const rc = p.at('/home/me/.bashrc')[0];
    expect(rc?.kind === 'file' ? new TextDecoder().decode(p.fs.blobs[rc.blob]) : undefined).toBe('# mine\n');
    const out = plan('user', { privateHome: { kind: 'tmpfs' } }, { '/home/me/.Xauthority': { symlink: '/home/alice/.Xauthority' }, '/home/alice/.Xauthority': { type: 'file', uid: 1001 } });
    expect(out.at('/home/me/.Xauthority')).toEqual([]);
  });

  test('whitelists of the real home are ignored under a private home', () => {
    const rule: FsRule = { kind: 'whitelist', path: '/home/me/.zshrc', readOnly: false, except: [], origin };
    expect(plan('user', { fs: [rule] }).at('/home/me/.zshrc').map((m) => m.kind)).toEqual(['bind']); // control
    for (const policy of [{ privateHome: { kind: 'tmpfs' } }, { privateHomeList: ['.Xauthority'] }] as const) {
      expect(plan('user', { ...policy, fs: [rule] }).at('/home/me/.zshrc')).toEqual([]);
    }
  });

  test('private DIR: blacklists and kiln\'s own hiding leave no mount points where DIR has nothing', () => {
    const extra: Record<string, Entry> = {
      '/data/alt': { type: 'dir', uid: 1001 },
      '/data/alt/.ssh': { type: 'dir', uid: 1001 },
      '/data/alt/only-here': { type: 'dir', uid: 1001 },
      '/home/me/.ssh': { type: 'dir', uid: 1001 },
    };
    const rules = [blacklist('/home/me/.zshrc'), blacklist('/home/me/.ssh'), blacklist('/home/me/only-*')];
    const p = plan('user', { privateHome: { kind: 'dir', dir: '/data/alt', origin }, fs: rules }, extra);
    expect(p.at('/home/me')).toEqual([{ kind: 'bind', src: '/data/alt', dest: '/home/me' }]);
    // What DIR has is hidden, glob or not; the real home's .zshrc and kiln's ~/.cache/kiln leave nothing.
    expect(p.under('/home/me').sort()).toEqual(['tmpfs /home/me/.ssh', 'tmpfs /home/me/only-here']);
  });
});

describe('mkdir and mkfile under private', () => {
  const rules = [mk('mkdir', '/home/me/dir/sub'), mk('mkfile', '/home/me/file'), mk('mkdir', '/tmp/t')];

  test('are made in the private home, not on the host', () => {
    for (const policy of [{ privateHome: { kind: 'tmpfs' } }, { privateHomeList: ['.zshrc'] }] as const) {
      const p = plan('user', { ...policy, fs: rules });
      expect(p.at('/home/me/dir')).toEqual([{ kind: 'dir', dest: '/home/me/dir', perms: 0o700 }]);
      expect(p.at('/home/me/dir/sub')).toEqual([{ kind: 'dir', dest: '/home/me/dir/sub', perms: 0o700 }]);
      expect(p.at('/home/me/file').map((m) => m.kind)).toEqual(['file']);
      const onHost = hostMkdirs({ ...emptyPolicy(), ...policy, fs: rules }, ['/home/me']);
      expect(onHost.rules.map((r) => r.path)).toEqual(['/tmp/t']);
    }
  });

  test('without private they are made on the host; with private DIR, in DIR', () => {
    expect(hostMkdirs({ ...emptyPolicy(), fs: rules }, ['/home/me'])).toEqual({ rules, homes: ['/home/me'], homeOnHost: '/home/me' });
    expect(plan('user', { fs: rules }).at('/home/me/dir')).toEqual([]);
    const dir = hostMkdirs({ ...emptyPolicy(), privateHome: { kind: 'dir', dir: '/data/alt', origin }, fs: rules }, ['/home/me']);
    expect(dir.homeOnHost).toBe('/data/alt');
    expect(dir.rules).toEqual(rules);
  });

  test('private-tmp: a path in /tmp is made in the private /tmp', () => {
    const p = plan('user', { privateTmp: true, fs: rules });
    expect(p.at('/tmp/t')).toEqual([{ kind: 'dir', dest: '/tmp/t', perms: 0o700 }]);
    expect(hostMkdirs({ ...emptyPolicy(), privateTmp: true, fs: rules }, ['/home/me']).rules.map((r) => r.path)).toEqual(['/home/me/dir/sub', '/home/me/file']);
  });
});
