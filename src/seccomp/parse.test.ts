/** Firejail's list syntax → typed entries, and its errors. */
import { describe, expect, test } from 'bun:test';
import { SeccompError } from './error.ts';
import { parseErrorAction, parseNamespaces, parseProtocols, parseSyscallEntry, parseSyscallList } from './parse.ts';

function problem(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    if (e instanceof SeccompError) return { ...e.problem, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

describe('seccomp list syntax', () => {
  test('names, groups, numbers, exceptions and actions', () => {
    expect(parseSyscallList('read,@clock,!chroot,unlinkat:ENOENT,mount:kill,umount2:log,$165,,')).toEqual([
      { ref: { kind: 'name', name: 'read' }, exclude: false },
      { ref: { kind: 'group', group: 'clock' }, exclude: false },
      { ref: { kind: 'name', name: 'chroot' }, exclude: true },
      { ref: { kind: 'name', name: 'unlinkat' }, exclude: false, action: { kind: 'errno', errno: 2 } },
      { ref: { kind: 'name', name: 'mount' }, exclude: false, action: { kind: 'kill' } },
      { ref: { kind: 'name', name: 'umount2' }, exclude: false, action: { kind: 'log' } },
      { ref: { kind: 'number', nr: 165 }, exclude: false },
    ]);
  });

  test('a typo gets a suggestion', () => {
    expect(problem(() => parseSyscallEntry('chrot'))).toMatchObject({ kind: 'unknown-syscall', suggestion: 'chroot' });
    expect(problem(() => parseSyscallEntry('@clok'))).toMatchObject({ kind: 'unknown-group', message: "seccomp: unknown syscall group '@clok' (did you mean '@clock'?)" });
    expect(problem(() => parseSyscallEntry('mount:EWHAT'))).toMatchObject({ kind: 'bad-action' });
    expect(problem(() => parseSyscallEntry('!mount:EPERM'))).toMatchObject({ kind: 'bad-entry' });
    expect(problem(() => parseSyscallEntry('$12x'))).toMatchObject({ kind: 'bad-entry' });
    expect(problem(() => parseSyscallEntry('Mount'))).toMatchObject({ kind: 'bad-entry' });
  });

  test('error actions, protocols and namespaces', () => {
    expect(parseErrorAction('kill')).toEqual({ kind: 'kill' });
    expect(parseErrorAction('log')).toEqual({ kind: 'log' });
    expect(parseErrorAction('ENOSYS')).toEqual({ kind: 'errno', errno: 38 });
    expect(parseErrorAction('enotsup')).toEqual({ kind: 'errno', errno: 95 });
    expect(parseErrorAction('13')).toEqual({ kind: 'errno', errno: 13 });
    expect(problem(() => parseErrorAction('0'))).toMatchObject({ kind: 'bad-action' });
    expect(parseProtocols('unix,inet,inet6,netlink,packet,bluetooth')).toHaveLength(6);
    expect(problem(() => parseProtocols('unix,ipx'))).toMatchObject({ kind: 'unknown-protocol', name: 'ipx' });
    expect(parseNamespaces('user,net,time')).toEqual(['user', 'net', 'time']);
    expect(problem(() => parseNamespaces('users'))).toMatchObject({ kind: 'unknown-namespace' });
  });
});
