import { describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import type { RegistryEntry } from './entry.ts';
import { findSandbox } from './find.ts';
import { planJoin, type JoinFacts } from './join.ts';
import type { Sandbox } from './scan.ts';

function sandbox(over: Partial<RegistryEntry> = {}, pid1: number | null = 101): Sandbox {
  const entry: RegistryEntry = {
    version: 1, pid: 100, startTime: '1', uid: 1000, user: 'u', name: 'box', command: ['kiln', 'sh'], argv: ['/bin/sh'],
    profiles: [], cwd: '/', started: 0, seccomp: ['AAAA'], caps: 'unchanged', ...over,
  };
  return { entry, dir: '/run/user/1000/kiln/sandboxes', user: 'u', ...(pid1 !== null ? { pid1 } : {}) };
}

const HOST = { user: 1n, mnt: 2n, uts: 3n, ipc: 4n, net: 5n, pid: 6n, cgroup: 7n, time: 8n };

function facts(over: Partial<JoinFacts> = {}): JoinFacts {
  return {
    callerUid: 1000, target: 102, nsenter: '/usr/bin/nsenter', setpriv: '/usr/bin/setpriv', ownNs: HOST,
    // An unprivileged sandbox: its own user, mount, uts and pid namespaces.
    sandboxNs: { ...HOST, user: 11n, mnt: 12n, uts: 13n, pid: 16n },
    noNewPrivs: true, lastCap: 40, ownerGid: 1000, ownerHasPasswd: true, ...over,
  };
}

const req = { mode: 'all' as const, program: ['sh'], exeFd: 5, configFd: 6 };

describe('planJoin', () => {
  test('an unprivileged join enters the user namespace first, keeps its ids, and runs the init stage', () => {
    const plan = planJoin(sandbox(), facts(), req, '--join');
    expect(plan.argv).toEqual([
      '/usr/bin/nsenter', '--target=102', '--user', '--mount', '--uts', '--pid', '--preserve-credentials', '--root', '--wd', '--',
      '/proc/self/fd/5', '--kiln-init=6', '--', 'sh',
    ]);
    expect(plan.init).toMatchObject({ steps: [], keepCaps: [], exeFd: 5, noNewPrivs: true, keepBounding: true, searchPath: true, seccomp: ['AAAA'] });
    expect(plan.actsForOwner).toBe(false);
  });

  test("root joining root's sandbox keeps root's capabilities as recorded and narrows the bounding set", () => {
    const plan = planJoin(sandbox({ uid: 0, caps: [0, 13] }), facts({ callerUid: 0, sandboxNs: { ...HOST, mnt: 12n, pid: 16n, net: 15n } }), req, '--join');
    expect(plan.argv.slice(0, 6)).toEqual(['/usr/bin/nsenter', '--target=102', '--mount', '--net', '--pid', '--root']);
    expect(plan.init?.keepCaps).toEqual([0, 13]);
    expect(plan.init?.keepBounding).toBe(false);
    // 'unchanged' for root is every capability; for anyone else, none.
    expect(planJoin(sandbox({ uid: 0 }), facts({ callerUid: 0 }), req, '--join').init?.keepCaps).toHaveLength(41);
  });

  test("root acts on a user's sandbox as that user, before entering anything", () => {
    const plan = planJoin(sandbox(), facts({ callerUid: 0 }), req, '--join');
    expect(plan.argv.slice(0, 7)).toEqual(['/usr/bin/setpriv', '--reuid=1000', '--regid=1000', '--init-groups', '--reset-env', '--', '/usr/bin/nsenter']);
    expect(plan.actsForOwner).toBe(true);
    expect(planJoin(sandbox(), facts({ callerUid: 0, ownerHasPasswd: false }), req, '--join').argv[3]).toBe('--clear-groups');
  });

  test('another user cannot, and root without setpriv cannot', () => {
    expect(() => planJoin(sandbox(), facts({ callerUid: 1001 }), req, '--join')).toThrow(UsageError);
    expect(() => planJoin(sandbox(), facts({ callerUid: 0, setpriv: undefined }), req, '--join')).toThrow(/setpriv/);
  });

  test('--join-filesystem and --join-network enter one namespace (and the user namespace) and apply nothing', () => {
    const fsPlan = planJoin(sandbox(), facts(), { ...req, mode: 'filesystem' }, '--join-filesystem');
    expect(fsPlan.argv).toEqual(['/usr/bin/nsenter', '--target=102', '--user', '--mount', '--preserve-credentials', '--root', '--wd', '--', 'sh']);
    expect(fsPlan.init).toBeUndefined();
    const withNet = facts({ sandboxNs: { ...HOST, user: 11n, net: 15n } });
    expect(planJoin(sandbox(), withNet, { ...req, mode: 'network' }, '--join-network').argv).toEqual([
      '/usr/bin/nsenter', '--target=102', '--user', '--net', '--preserve-credentials', '--', 'sh',
    ]);
    // No network namespace of its own: nothing to join.
    expect(() => planJoin(sandbox(), facts(), { ...req, mode: 'network' }, '--join-network')).toThrow(/host's network/);
  });

  test('a transfer runs with the credentials but without the filter', () => {
    const plan = planJoin(sandbox(), facts(), { ...req, program: [], transfer: { kind: 'ls', path: '/' } }, '--ls');
    expect(plan.init?.seccomp).toEqual([]);
    expect(plan.init?.transfer).toEqual({ kind: 'ls', path: '/' });
  });

  test("a join re-applies the sandbox's limits, Landlock scope and environment changes; a transfer none", () => {
    const limits = [{ kind: 'rlimit', name: 'rlimit-nofile', resource: 7, value: '64' }, { kind: 'nice', value: 5 }] as const;
    const env = { unset: ['HOME', 'DISPLAY'], set: [['FOO', 'bar']] as const };
    const sb = sandbox({ limits, scopeAbstract: true, env });
    expect(planJoin(sb, facts(), req, '--join').init).toMatchObject({ limits, scopeAbstract: true, env });
    const transfer = planJoin(sb, facts(), { ...req, program: [], transfer: { kind: 'get', path: '/x' } }, '--get').init;
    expect(transfer).not.toHaveProperty('limits');
    expect(transfer).not.toHaveProperty('scopeAbstract');
    expect(transfer).not.toHaveProperty('env');
    // control: a sandbox without them gives the init stage none
    expect(planJoin(sandbox(), facts(), req, '--join').init).not.toHaveProperty('limits');
  });

  test('a sandbox that has not reported its pid 1 cannot be joined yet', () => {
    expect(() => planJoin(sandbox({}, null), facts(), req, '--join')).toThrow(/finished starting/);
  });
});

describe('findSandbox', () => {
  const a = sandbox({ pid: 100, name: 'web' }, 101);
  const b = sandbox({ pid: 200, name: 'web', uid: 0 }, 201);
  const c = sandbox({ pid: 300, name: '' }, 301);

  test.each([
    ['100', 1000, 100],
    ['301', 1000, 300], // the sandbox's pid 1 names it too
    ['web', 0, 200], // two of that name: root's own wins for root
  ])('%s (caller %d) is the sandbox with anchor %d', (target, uid, pid) => {
    expect(findSandbox([a, b, c], target, '--join', uid).entry.pid).toBe(pid);
  });

  test('ambiguous and unknown names are usage errors that say why', () => {
    expect(() => findSandbox([a, b], 'web', '--join', 1001)).toThrow(/2 sandboxes have that name: 100 \(u\), 200 \(u\)/);
    expect(() => findSandbox([a], 'nope', '--shutdown', 1000)).toThrow(/--shutdown=nope: cannot find sandbox nope: no sandbox of yours/);
  });
});
