import { describe, expect, test } from 'bun:test';
import type { PreExecStep } from '../plan/types.ts';
import { joinFields, parseEntry, type RegistryEntry } from './entry.ts';

const BASE: RegistryEntry = {
  version: 1, pid: 100, startTime: '1', uid: 1000, user: 'u', name: 'box', command: ['kiln', 'sh'], argv: ['/bin/sh'],
  profiles: [], cwd: '/', started: 0, seccomp: [], caps: 'unchanged',
};

describe('joinFields', () => {
  test("records the launch's limits in order, its Landlock scope and its environment changes", () => {
    const preExec: PreExecStep[] = [
      { kind: 'rlimit', name: 'rlimit-as', resource: 9, value: 18446744073709551615n },
      { kind: 'nice', value: -3 },
      { kind: 'cpu-affinity', cpus: [0, 1] },
      { kind: 'cap-bounding', keep: [], lastCap: 40 },
      { kind: 'landlock-scope-abstract' },
      { kind: 'drop-groups' },
    ];
    const fields = joinFields({ preExec, envChanges: { unset: ['DISPLAY'], set: [['FOO', 'a=b']] } });
    expect(fields).toEqual({
      limits: [
        { kind: 'rlimit', name: 'rlimit-as', resource: 9, value: '18446744073709551615' },
        { kind: 'nice', value: -3 },
        { kind: 'cpu-affinity', cpus: [0, 1] },
      ],
      scopeAbstract: true,
      env: { unset: ['DISPLAY'], set: [['FOO', 'a=b']] },
    });
    // What a launch writes, a reader accepts.
    expect(parseEntry(JSON.stringify({ ...BASE, ...fields }))).toEqual({ ...BASE, ...fields });
  });

  test("records the AppArmor profile the launch's init stage asked for; a reader accepts it", () => {
    const apparmor = { profile: 'kiln-default', mode: 'stack', ifNotLoaded: 'warn' } as const;
    const init = { steps: [], keepCaps: [], lastCap: 40, seccomp: [], rlimits: [], capsByBwrap: true, apparmor };
    const fields = joinFields({ preExec: [], envChanges: { unset: [], set: [] }, init });
    expect(fields).toEqual({ apparmor });
    expect(parseEntry(JSON.stringify({ ...BASE, ...fields }))).toEqual({ ...BASE, ...fields });
  });

  test('a sandbox without them records nothing', () => {
    expect(joinFields({ preExec: [{ kind: 'cap-bounding', keep: [], lastCap: 40 }], envChanges: { unset: [], set: [] } })).toEqual({});
  });
});

describe('parseEntry: what a join would re-apply is checked like the rest', () => {
  test.each([
    ['an rlimit above RLIM_INFINITY', { limits: [{ kind: 'rlimit', name: 'rlimit-nofile', resource: 7, value: '18446744073709551616' }] }],
    ['an rlimit value that is a number', { limits: [{ kind: 'rlimit', name: 'rlimit-nofile', resource: 7, value: 64 }] }],
    ['an unknown resource', { limits: [{ kind: 'rlimit', name: 'rlimit-nofile', resource: 99, value: '1' }] }],
    ['a nice value out of range', { limits: [{ kind: 'nice', value: -21 }] }],
    ['a CPU beyond any kernel', { limits: [{ kind: 'cpu-affinity', cpus: [1e9] }] }],
    ['an empty CPU list', { limits: [{ kind: 'cpu-affinity', cpus: [] }] }],
    ['an unknown kind', { limits: [{ kind: 'cgroup', path: '/' }] }],
    ['limits that are not a list', { limits: { kind: 'nice', value: 1 } }],
    ['scopeAbstract that is not true', { scopeAbstract: 'yes' }],
    ['a variable name with =', { env: { unset: ['A=B'], set: [] } }],
    ['a value with NUL', { env: { unset: [], set: [['A', 'x\0y']] } }],
    ['a set pair of three', { env: { unset: [], set: [['A', 'b', 'c']] } }],
    ['an AppArmor name with a space, which would write a second word', { apparmor: { profile: 'a b', mode: 'stack', ifNotLoaded: 'fail' } }],
    ['an unknown AppArmor mode', { apparmor: { profile: 'a', mode: 'change_hat', ifNotLoaded: 'fail' } }],
  ])('rejects %s', (_, over) => {
    expect(parseEntry(JSON.stringify({ ...BASE, ...over }))).toBeUndefined();
  });

  test('control: the base entry, and an entry written before these fields existed, are accepted', () => {
    expect(parseEntry(JSON.stringify(BASE))).toEqual(BASE);
  });
});
