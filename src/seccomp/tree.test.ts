/**
 * The decision tree's promises: a syscall costs about log2(rules) instructions, argument checks stay on
 * the few syscalls that need them, and the kernel's allow cache covers every other allowed syscall.
 */
import { describe, expect, test } from 'bun:test';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 } from './arch.ts';
import { defaultProfileSpec } from './common-specs.ts';
import { compileFilter, type CompiledFilter } from './compile.ts';
import { kernelCachesAllow, runFilters, syscallData } from './simulate.ts';
import { baseSpec, type FilterSpec } from './spec.ts';
import { listSyscalls, syscallNumber } from './syscalls.ts';
import { parseSyscallList } from './parse.ts';

function steps(f: CompiledFilter, name: string, args: number[] = []): number {
  return runFilters(f.insns, syscallData('x86_64', name, args)).steps;
}

function worstSteps(f: CompiledFilter): number {
  return Math.max(...listSyscalls('x86_64').map(([nr]) => runFilters(f.insns, { arch: AUDIT_ARCH_X86_64, nr, args: [0, 0, 0] }).steps));
}

/** A blocklist of the first `n` syscalls of x86_64 that are not in the default list, every other one. */
function dropSpec(n: number): FilterSpec {
  const names = listSyscalls('x86_64').filter((_, i) => i % 2 === 1).slice(0, n).map(([, name]) => name);
  return { ...baseSpec('x86_64'), syscalls: { kind: 'blocklist', defaultList: false, entries: parseSyscallList(names.join(',')) } };
}

describe('the decision tree', () => {
  test('an argument-checked syscall costs a few compares, not a walk past every rule', () => {
    const spec = defaultProfileSpec('x86_64');
    const tree = compileFilter(spec, { precompiled: false });
    const linear = compileFilter(spec, { layout: 'linear' });
    // Measured: tree 13 and 14, linear 42 and 57 (merged ranges of neighbouring rules keep it short).
    expect(steps(tree, 'ioctl', [1, 0x5401])).toBeLessThanOrEqual(14);
    expect(steps(linear, 'ioctl', [1, 0x5401])).toBeGreaterThan(35);
    expect(worstSteps(tree)).toBeLessThanOrEqual(16);
    expect(worstSteps(linear)).toBeGreaterThan(50);
  });

  test('the worst case grows with the log of the rule count', () => {
    const worst = [16, 64, 180].map((n) => ({ n, tree: worstSteps(compileFilter(dropSpec(n))), linear: worstSteps(compileFilter(dropSpec(n), { layout: 'linear' })) }));
    // 16 → 180 rules: the linear chain's worst case grows sevenfold (27 → 190), the tree's by 3 (12 → 15).
    expect(worst[2]!.linear).toBeGreaterThan(worst[0]!.linear * 5);
    expect(worst[2]!.tree - worst[0]!.tree).toBeLessThanOrEqual(4);
    for (const w of worst) expect(w.tree).toBeLessThanOrEqual(Math.ceil(Math.log2(2 * w.n + 8)) + 6);
  });
});

describe("the kernel's allow cache (seccomp_is_const_allow)", () => {
  test('hot syscalls are allowed without looking at arguments, so the kernel caches them', () => {
    const f = compileFilter(defaultProfileSpec('x86_64'), { precompiled: false });
    expect(f.programs.length).toBe(1);
    const prog = f.insns[0]!;
    for (const name of ['read', 'write', 'futex', 'mmap', 'munmap', 'close', 'openat', 'newfstatat', 'epoll_wait', 'poll', 'recvmsg', 'sendmsg', 'getpid', 'clock_gettime', 'rt_sigprocmask', 'brk', 'exit_group']) {
      expect({ name, cached: kernelCachesAllow(prog, AUDIT_ARCH_X86_64, syscallNumber('x86_64', name)!) }).toEqual({ name, cached: true });
    }
    for (const name of ['getpid', 'read', 'write']) {
      expect({ name, cached: kernelCachesAllow(prog, AUDIT_ARCH_I386, syscallNumber('i386', name)!) }).toEqual({ name, cached: true });
    }
    // Argument-checked, or refused: never cached.
    for (const name of ['ioctl', 'socket', 'clone', 'unshare', 'setns', 'mount', 'clone3']) {
      expect({ name, cached: kernelCachesAllow(prog, AUDIT_ARCH_X86_64, syscallNumber('x86_64', name)!) }).toEqual({ name, cached: false });
    }
    // All told: every allowed syscall without argument checks.
    const uncached = listSyscalls('x86_64').filter(([nr]) => !kernelCachesAllow(prog, AUDIT_ARCH_X86_64, nr)).length;
    expect(uncached).toBeLessThan(100);
  });
});
