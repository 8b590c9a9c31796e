/**
 * tracelog's seccomp filter: SECCOMP_RET_USER_NOTIF for the calls that take a path (syscalls.ts), so that
 * the supervisor sees each one before it runs; every other call is allowed by the syscall number alone,
 * which the kernel's allow cache (5.11+) then skips without running the filter at all.
 *
 * NOTE: BPF cannot read the path (a pointer into the caller's memory), so every path call notifies,
 * blacklisted or not. i386 calls on x86_64 (`int 0x80`, a 32-bit program) are watched by their own
 * numbers; x32 calls (same AUDIT_ARCH, another numbering) are not: kiln's default filter refuses them.
 */
import { archInfo, X32_SYSCALL_BIT, type Arch } from '../seccomp/arch.ts';
import {
  BPF_ABS, BPF_JEQ, BPF_JGE, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_W, OFF_ARCH, OFF_NR, offArgLow,
  SECCOMP_RET_ALLOW, SECCOMP_RET_USER_NOTIF, type Insn,
} from '../seccomp/bpf.ts';
import { AT_EMPTY_PATH, pathSyscalls } from './syscalls.ts';

const ld = (k: number): Insn => ({ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k });
const jmp = (op: number, k: number, jt: number, jf: number): Insn => ({ code: BPF_JMP | op | BPF_K, jt, jf, k: k >>> 0 });
const ret = (k: number): Insn => ({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: k >>> 0 });

/** `ld nr` and one test per path call of `arch`, ending in ALLOW; A holds the arch on entry. */
function callsOf(arch: Arch, x32: boolean): Insn[] {
  const out: Insn[] = [ld(OFF_NR)];
  if (x32) out.push(jmp(BPF_JGE, X32_SYSCALL_BIT, 0, 1), ret(SECCOMP_RET_ALLOW));
  for (const [nr, s] of [...pathSyscalls(arch)].sort((a, b) => a[0] - b[0])) {
    if (s.emptyPathArg === undefined) {
      out.push(jmp(BPF_JEQ, nr, 0, 1), ret(SECCOMP_RET_USER_NOTIF));
      continue;
    }
    // fstat's form (AT_EMPTY_PATH) goes through; A is reloaded only on this syscall's own branch.
    out.push(jmp(BPF_JEQ, nr, 0, 4), ld(offArgLow(s.emptyPathArg)), jmp(BPF_JSET, AT_EMPTY_PATH, 1, 0), ret(SECCOMP_RET_USER_NOTIF), ret(SECCOMP_RET_ALLOW));
  }
  out.push(ret(SECCOMP_RET_ALLOW));
  return out;
}

export function tracelogFilter(arch: Arch): Insn[] {
  const info = archInfo(arch);
  const native = callsOf(arch, info.hasX32);
  const compat = info.compat === undefined ? [] : callsOf(info.compat, false);
  const out: Insn[] = [ld(OFF_ARCH)];
  if (info.compat !== undefined) out.push(jmp(BPF_JEQ, archInfo(info.compat).auditArch, 0, compat.length), ...compat);
  out.push(jmp(BPF_JEQ, info.auditArch, 1, 0), ret(SECCOMP_RET_ALLOW), ...native);
  return out;
}
