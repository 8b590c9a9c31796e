import { describe, expect, test } from 'bun:test';
import { archInfo, X32_SYSCALL_BIT } from '../seccomp/arch.ts';
import { kernelCachesAllow, runProgram, syscallData, validateProgram } from '../seccomp/simulate.ts';
import { syscallNumber } from '../seccomp/syscalls.ts';
import { tracelogFilter } from './filter.ts';
import { AT_EMPTY_PATH } from './syscalls.ts';

describe('tracelog filter', () => {
  for (const arch of ['x86_64', 'aarch64'] as const) {
    const prog = tracelogFilter(arch);
    test(`${arch}: valid, path calls notify, the rest are allowed and cached`, () => {
      validateProgram(prog);
      const cases: [string, (number | bigint)[], string][] = [
        ['openat', [-100, 0x1000, 0], 'user-notif'],
        ['execve', [0x1000, 0, 0], 'user-notif'],
        ['statx', [-100, 0x1000, 0], 'user-notif'],
        ['newfstatat', [3, 0x1000, 0, AT_EMPTY_PATH], 'allow'],
        ['newfstatat', [-100, 0x1000, 0, 0x100], 'user-notif'],
        ['read', [0, 0, 0], 'allow'],
        ['ioctl', [0, 0, 0], 'allow'],
        ['getpid', [], 'allow'],
      ];
      for (const [name, args, want] of cases) {
        if (syscallNumber(arch, name) === undefined) continue;
        expect([name, runProgram(prog, syscallData(arch, name, args)).action.kind]).toEqual([name, want]);
      }
      const info = archInfo(arch);
      for (const name of ['read', 'write', 'ioctl', 'futex', 'mmap']) {
        expect([name, kernelCachesAllow(prog, info.auditArch, syscallNumber(arch, name) ?? -1)]).toEqual([name, true]);
      }
      // The positive control: a path call is not cached.
      expect(kernelCachesAllow(prog, info.auditArch, syscallNumber(arch, 'openat') ?? -1)).toBe(false);
    });
  }

  test('x86_64: i386 path calls notify by their own numbers; x32 numbers and other arches are allowed', () => {
    const prog = tracelogFilter('x86_64');
    const openat = syscallNumber('x86_64', 'openat') ?? -1;
    const i386 = archInfo('i386').auditArch;
    expect(runProgram(prog, syscallData('i386', 'open', [0x1000, 0])).action.kind).toBe('user-notif');
    expect(runProgram(prog, syscallData('i386', 'stat64', [0x1000, 0])).action.kind).toBe('user-notif');
    expect(runProgram(prog, syscallData('i386', 'fstatat64', [3, 0x1000, 0, AT_EMPTY_PATH])).action.kind).toBe('allow');
    // i386's 2 is fork, x86_64's open: the numbers are the ABI's own.
    expect(runProgram(prog, { arch: i386, nr: 2, args: [] }).action.kind).toBe('allow');
    expect(kernelCachesAllow(prog, i386, syscallNumber('i386', 'read') ?? -1)).toBe(true);
    expect(runProgram(prog, { arch: archInfo('aarch64').auditArch, nr: 56, args: [] }).action.kind).toBe('allow');
    expect(runProgram(prog, { arch: archInfo('x86_64').auditArch, nr: (openat | X32_SYSCALL_BIT) >>> 0, args: [] }).action.kind).toBe('allow');
    expect(runProgram(prog, { arch: archInfo('x86_64').auditArch, nr: openat, args: [] }).action.kind).toBe('user-notif');
  });
});
