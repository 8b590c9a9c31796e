/**
 * Runs a case table call in the simulator: shared by the unit tests and the kernel tests' controls.
 */
import { archInfo, X32_SYSCALL_BIT } from '../../src/seccomp/arch.ts';
import type { Action } from '../../src/seccomp/bpf.ts';
import type { CompiledFilter } from '../../src/seccomp/compile.ts';
import { runFilters, type SeccompData } from '../../src/seccomp/simulate.ts';
import { syscallNumber } from '../../src/seccomp/syscalls.ts';
import type { Call, Expect } from './cases.ts';

/** The syscall number a call makes (x32 numbers with the x32 bit). */
export function callNumber(call: Pick<Call, 'abi' | 'syscall'>): number {
  const nr = typeof call.syscall === 'number' ? call.syscall : syscallNumber(call.abi, call.syscall);
  if (nr === undefined) throw new Error(`${String(call.syscall)} is not a syscall on ${call.abi}`);
  return call.abi === 'x32' ? (nr | X32_SYSCALL_BIT) >>> 0 : nr;
}

export function callData(call: Call): SeccompData {
  const arch = archInfo(call.abi === 'x32' ? 'x86_64' : call.abi).auditArch;
  return { arch, nr: callNumber(call), args: call.args ?? [] };
}

export function simulateCall(filter: CompiledFilter, call: Call): Action {
  return runFilters(filter.insns, callData(call)).action;
}

export function expectedAction(e: Expect): Action {
  return e.kind === 'errno' ? { kind: 'errno', errno: e.errno } : { kind: e.kind };
}

export function describeCall(c: Call): string {
  const args = (c.args ?? []).map((a) => (typeof a === 'bigint' ? `0x${a.toString(16)}` : String(a))).join(', ');
  return `${c.abi} ${String(c.syscall)}(${args})`;
}
