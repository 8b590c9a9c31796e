/** Firejail's list syntax → typed entries, and its errors. */
import { describe, expect, test } from 'bun:test';
import { SeccompError } from './error.ts';
import { MAX_SYSCALL_NUMBER, parseErrorAction, parseNamespaces, parseProtocols, parseSyscallEntry, parseSyscallList } from './parse.ts';

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

  test('$number: decimal, 0 up to below the x32 bit, with an action or as an exception', () => {
    expect(parseSyscallList('$0,$263:ENOENT,!$0263,$1073741823:kill')).toEqual([
      { ref: { kind: 'number', nr: 0 }, exclude: false },
      { ref: { kind: 'number', nr: 263 }, exclude: false, action: { kind: 'errno', errno: 2 } },
      { ref: { kind: 'number', nr: 263 }, exclude: true },
      { ref: { kind: 'number', nr: MAX_SYSCALL_NUMBER }, exclude: false, action: { kind: 'kill' } },
    ]);
    // Firejail 0.9.72 takes some of these as other numbers (`$abc` as `$0`, read(2)); kiln refuses them.
    for (const bad of ['$', '$abc', '$-1', '$+1', '$0x10', '$1e3', '$ 263', '$263 x', '$$1', '$1073741824', '$4294967295', `$${'9'.repeat(400)}`]) {
      expect(problem(() => parseSyscallEntry(bad))).toMatchObject({ kind: 'bad-entry', text: bad });
    }
    expect(problem(() => parseSyscallEntry('$1073741824:ENOENT'))).toMatchObject({
      message: "seccomp: bad list entry '$1073741824:ENOENT': syscall number out of range (0 to 1073741823)",
    });
    expect(problem(() => parseSyscallEntry('$26x'))).toMatchObject({
      message: "seccomp: bad list entry '$26x': expected $ and a decimal syscall number",
    });
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
