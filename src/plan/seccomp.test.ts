/**
 * Profile text → SeccompPolicy → FilterSpec → BPF, run in the simulator: a `$number` entry reaches the
 * filter as that number, in every list command, with its action.
 */
import { describe, expect, test } from 'bun:test';
import { defaultSeccomp } from '../policy/draft.ts';
import type { SeccompPolicy } from '../policy/policy.ts';
import { parseSyscalls } from '../profile/values.ts';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 } from '../seccomp/arch.ts';
import { runFilters, type Action } from '../seccomp/index.ts';
import { compileSeccomp } from './seccomp.ts';

const NONE: SeccompPolicy = defaultSeccomp();

/** The verdict for syscall `nr` of the ABI under the policy, on x86_64 (i386 through its compat subtree). */
function verdict(policy: Partial<SeccompPolicy>, nr: number, abi: 'x86_64' | 'i386' = 'x86_64'): Action {
  const filter = compileSeccomp({ ...NONE, ...policy }, 'x64', 'bwrap');
  return runFilters(filter.insns, { arch: abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386, nr, args: [] }).action;
}

const ENOENT: Action = { kind: 'errno', errno: 2 };
const EPERM: Action = { kind: 'errno', errno: 1 };
const ALLOWED: Action = { kind: 'allow' };

describe('$number in seccomp lists', () => {
  test('seccomp, seccomp.drop and seccomp.keep apply the number on the native ABI', () => {
    // 263 is unlinkat on x86_64; 87 is unlink; 39 getpid.
    expect(verdict({ defaultList: true, extraDrop: parseSyscalls('$263:ENOENT') }, 263)).toEqual(ENOENT);
    expect(verdict({ defaultList: true, extraDrop: parseSyscalls('$263:ENOENT') }, 87)).toEqual(ALLOWED);
    expect(verdict({ drop: parseSyscalls('$263') }, 263)).toEqual(EPERM);
    expect(verdict({ drop: parseSyscalls('$263:kill') }, 263)).toEqual({ kind: 'kill' });
    expect(verdict({ drop: parseSyscalls('$263:log') }, 263)).toEqual({ kind: 'log' });
    expect(verdict({ drop: parseSyscalls('unlinkat,!$263') }, 263)).toEqual(ALLOWED);
    expect(verdict({ keep: parseSyscalls('$39,read') }, 39)).toEqual(ALLOWED);
    expect(verdict({ keep: parseSyscalls('$39,read') }, 263)).toEqual(EPERM);
    // A number newer than kiln's table: blocked with its own errno instead of the ENOSYS of unknown numbers.
    expect(verdict({ drop: parseSyscalls('$999:ENOENT') }, 999)).toEqual(ENOENT);
    expect(verdict({ drop: parseSyscalls('$263') }, 999)).toEqual({ kind: 'errno', errno: 38 });
  });

  test('seccomp.32* apply i386 numbers; a native number stays off the i386 ABI', () => {
    // 20 is getpid on i386 (writev on x86_64), 3 is read.
    expect(verdict({ drop32: parseSyscalls('$20:ENOENT') }, 20, 'i386')).toEqual(ENOENT);
    expect(verdict({ drop32: parseSyscalls('$20:ENOENT') }, 20, 'x86_64')).toEqual(ALLOWED);
    expect(verdict({ defaultList32: true, extraDrop32: parseSyscalls('$20') }, 20, 'i386')).toEqual(EPERM);
    expect(verdict({ keep32: parseSyscalls('$20') }, 20, 'i386')).toEqual(ALLOWED);
    expect(verdict({ keep32: parseSyscalls('$20') }, 3, 'i386')).toEqual(EPERM);
    // Without seccomp.32*, the native list reaches i386 by name only.
    expect(verdict({ drop: parseSyscalls('$20') }, 20, 'i386')).toEqual(ALLOWED);
  });
});
