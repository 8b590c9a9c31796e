import { describe, expect, test } from 'bun:test';
import type { HostFacts } from '../host/facts.ts';
import { fakeFsView, type PathType } from '../host/fsview.ts';
import { emptyPolicy, type FsRule, type Policy } from '../policy/policy.ts';
import { planFilesystem } from './filesystem.ts';
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

const blacklist = (path: string): FsRule => ({ kind: 'blacklist', path, nolog: false, except: [], origin });

describe('private home', () => {
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
