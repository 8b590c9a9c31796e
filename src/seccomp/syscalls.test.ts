/**
 * The generated syscall table: current with its CSV, consistent, up to Linux 6.18, and (where the Debian
 * uapi headers are installed) in agreement with them.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Abi } from './arch.ts';
import { isKnownSyscall, listSyscalls, syscallName, syscallNumber, syscallRuns } from './syscalls.ts';

const ROOT = join(import.meta.dir, '../..');
const ABIS: readonly Abi[] = ['x86_64', 'x32', 'i386', 'aarch64'];

function gen(...args: string[]) {
  const p = Bun.spawnSync([process.execPath, 'scripts/gen-syscalls.ts', ...args], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

describe('the syscall table', () => {
  test('syscalls.generated.ts is generated from syscalls.csv', () => {
    const r = gen('--check');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  test('well-known numbers on each ABI', () => {
    const want: Record<string, [number | undefined, number | undefined, number | undefined, number | undefined]> = {
      // name: x86_64, x32, i386, aarch64
      read: [0, 0, 3, 63],
      ioctl: [16, 514, 54, 29],
      socket: [41, 41, 359, 198],
      socketcall: [undefined, undefined, 102, undefined],
      clone: [56, 56, 120, 220],
      mmap2: [undefined, undefined, 192, undefined],
      execve: [59, 520, 11, 221],
      renameat: [264, 264, 302, 38],
      open: [2, 2, 5, undefined],
      // The newest: Linux 6.8 to 6.17.
      listmount: [458, 458, 458, 458],
      lsm_list_modules: [461, 461, 461, 461],
      mseal: [462, 462, 462, 462],
      setxattrat: [463, 463, 463, 463],
      removexattrat: [466, 466, 466, 466],
      open_tree_attr: [467, 467, 467, 467],
      file_getattr: [468, 468, 468, 468],
      file_setattr: [469, 469, 469, 469],
      map_shadow_stack: [453, 453, 453, 453],
      uretprobe: [335, undefined, undefined, undefined],
      uprobe: [336, undefined, undefined, undefined],
    };
    for (const [name, nums] of Object.entries(want)) {
      expect({ name, nums: ABIS.map((abi) => syscallNumber(abi, name)) }).toEqual({ name, nums });
    }
  });

  test('names and numbers round-trip on every ABI, with no number twice', () => {
    for (const abi of ABIS) {
      const list = listSyscalls(abi);
      expect(new Set(list.map(([nr]) => nr)).size).toBe(list.length);
      for (const [nr, name] of list) {
        expect(syscallNumber(abi, name)).toBe(nr);
        expect(syscallName(abi, nr)).toBe(name);
      }
      const runs = syscallRuns(abi);
      expect(runs.reduce((n, [a, b]) => n + b - a + 1, 0)).toBe(list.length);
    }
    expect(listSyscalls('x86_64').length).toBeGreaterThan(370);
    expect(listSyscalls('aarch64').at(-1)).toEqual([469, 'file_setattr']);
    expect(syscallRuns('x86_64')).toEqual([[0, 336], [424, 469]]);
    expect(isKnownSyscall('stime')).toBe(true);
    expect(isKnownSyscall('no_such_call')).toBe(false);
  });

  const headers = existsSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h');
  test.skipIf(!headers)('agrees with the installed uapi headers (linux-libc-dev)', () => {
    const r = gen('import');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^0 added, 0 conflicting$/m);
  });
});
