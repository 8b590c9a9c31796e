/** tracelog in the plan: the tree's blacklist goes to the init stage, with what the plan mounted back beneath it. */
import { describe, expect, test } from 'bun:test';
import type { HostFacts } from '../host/facts.ts';
import { fakeFsView } from '../host/fsview.ts';
import { emptyPolicy, type FsRule, type Policy } from '../policy/policy.ts';
import { planLaunch } from '../plan/plan.ts';
import { decodeProgram } from '../seccomp/bpf.ts';
import { tracelogFilter } from './filter.ts';

const origin = { kind: 'cli', option: '--x' } as const as FsRule['origin'];

function facts(): HostFacts {
  return {
    fs: fakeFsView({ '/home/me': { type: 'dir', uid: 1001 }, '/home/me/a': 'dir', '/home/me/a/b': 'dir', '/home/me/c': 'file', '/home/me/d': 'file', '/tmp': 'dir', '/run/user/1001': { type: 'dir', uid: 1001 }, '/usr/bin/env': 'file', '/usr/bin/true': 'file', '/dev/null': 'other' }, {}),
    home: '/home/me', uid: 1001, gid: 1001, isRoot: false, user: 'me', shell: '/bin/sh', cwd: '/home/me', env: { PATH: '/usr/bin' }, arch: 'x64',
    landlockAbi: 6, capLastCap: 40, capPermitted: 0n, bwrap: { path: '/usr/bin/bwrap', options: new Set<string>() },
    tools: { tini: '/usr/bin/tini', env: '/usr/bin/env', setpriv: '/usr/bin/setpriv' }, stateDir: '/run/user/1001/kiln', cacheDir: '/home/me/.cache/kiln', randomId: '0'.repeat(32),
  } as unknown as HostFacts;
}

const blacklist = (path: string, except: string[] = []): FsRule => ({ kind: 'blacklist', path, nolog: false, except, origin });
const plan = (policy: Partial<Policy>) => planLaunch({ ...emptyPolicy(), ...policy }, facts(), { argv: ['/usr/bin/true'] });

describe('tracelog in the plan', () => {
  test('the init stage gets the filter and the blacklist as the tree hides it; an exempted path is not in it', () => {
    const p = plan({ tracelog: true, fs: [blacklist('/home/me/a'), blacklist('/home/me/c'), blacklist('/home/me/d', ['/home/me/d'])] });
    const t = p.init?.tracelog;
    expect(decodeProgram(t?.filter ?? new Uint8Array())).toEqual(tracelogFilter('x86_64'));
    expect(t?.hidden).toContain('/home/me/a');
    expect(t?.hidden).toContain('/home/me/c');
    expect(t?.hidden).not.toContain('/home/me/d');
    expect(t?.hidden).toEqual(p.fsReport.blacklisted);
  });

  test('a mount the plan puts beneath a blacklisted directory is shown, so not reported', () => {
    const p = plan({ tracelog: true, fs: [blacklist('/home/me/a'), { kind: 'tmpfs', path: '/home/me/a/b', origin }] });
    const t = p.init?.tracelog;
    // The tmpfs lands on the hidden directory's own tmpfs: the sandbox shows it.
    expect(p.mounts.some((m) => m.kind === 'tmpfs' && m.dest === '/home/me/a/b')).toBe(true);
    expect(t?.shown).toEqual(['/home/me/a/b']);
    expect(t?.hidden).toContain('/home/me/a');
  });

  test('without tracelog: no filter, and no init stage just for it', () => {
    const p = plan({ fs: [blacklist('/home/me/c')] });
    expect(p.init?.tracelog).toBeUndefined();
    // Control: tracelog alone brings the init stage in.
    expect(plan({ tracelog: true }).init).toBeDefined();
  });
});
