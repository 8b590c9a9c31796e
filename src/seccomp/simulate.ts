/**
 * A seccomp BPF interpreter: runs programs on a `struct seccomp_data` the way the kernel does, including
 * the precedence rule for stacked filters, its validity checks, and its per-syscall allow cache.
 */
import { archInfo, X32_SYSCALL_BIT, type Abi } from './arch.ts';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET,
  BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST,
  BPF_STX, BPF_SUB, BPF_TAX, BPF_W, BPF_X, BPF_XOR, MAX_INSNS, MEMWORDS, OFF_ARCH, OFF_NR, SECCOMP_DATA_SIZE,
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, decodeAction, type Action, type Insn,
} from './bpf.ts';
import { syscallNumber } from './syscalls.ts';

export interface SeccompData {
  readonly arch: number;
  readonly nr: number;
  /** Up to six arguments as 64-bit values; a negative number is taken in two's complement. */
  readonly args?: readonly (bigint | number)[];
  readonly ip?: bigint;
}

export interface RunResult {
  /** The raw SECCOMP_RET_* value. */
  readonly ret: number;
  readonly action: Action;
  /** Instructions executed (summed over stacked programs). */
  readonly steps: number;
}

export class InvalidProgramError extends Error {
  override readonly name = 'InvalidProgramError';
}

/** The data for a syscall by name on an ABI (x32 numbers get the x32 bit). */
export function syscallData(abi: Abi, name: string, args: readonly (bigint | number)[] = []): SeccompData {
  const nr = syscallNumber(abi, name);
  if (nr === undefined) throw new RangeError(`${name} is not a syscall on ${abi}`);
  const arch = archInfo(abi === 'x32' ? 'x86_64' : abi).auditArch;
  return { arch, nr: abi === 'x32' ? (nr | X32_SYSCALL_BIT) >>> 0 : nr, args };
}

function toU64(v: bigint | number): bigint {
  return BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(v));
}

function encodeData(d: SeccompData): DataView {
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
  view.setUint32(OFF_NR, d.nr >>> 0, true);
  view.setUint32(OFF_ARCH, d.arch >>> 0, true);
  view.setBigUint64(8, toU64(d.ip ?? 0n), true);
  for (let i = 0; i < 6; i++) view.setBigUint64(16 + 8 * i, toU64(d.args?.[i] ?? 0n), true);
  return view;
}

/** The checks seccomp_check_filter and bpf_check_classic make before a filter is attached. */
export function validateProgram(insns: readonly Insn[]): void {
  const fail = (pc: number, why: string): never => {
    throw new InvalidProgramError(`instruction ${pc}: ${why}`);
  };
  if (insns.length === 0 || insns.length > MAX_INSNS) throw new InvalidProgramError(`${insns.length} instructions (1 to ${MAX_INSNS} allowed)`);
  insns.forEach((insn, pc) => {
    const cls = insn.code & 0x07;
    switch (cls) {
      case BPF_LD:
      case BPF_LDX: {
        const mode = insn.code & 0xe0;
        if ((insn.code & 0x18) !== BPF_W) fail(pc, 'only 32-bit loads are allowed');
        if (mode === BPF_ABS) {
          if (cls !== BPF_LD || insn.k % 4 !== 0 || insn.k >= SECCOMP_DATA_SIZE) fail(pc, `bad seccomp_data offset ${insn.k}`);
        } else if (mode === BPF_MEM) {
          if (insn.k >= MEMWORDS) fail(pc, `bad memory cell ${insn.k}`);
        } else if (mode !== BPF_IMM && mode !== BPF_LEN) fail(pc, 'unsupported load mode');
        break;
      }
      case BPF_ST:
      case BPF_STX:
        if (insn.k >= MEMWORDS) fail(pc, `bad memory cell ${insn.k}`);
        break;
      case BPF_ALU:
        if (((insn.code & 0xf0) === BPF_DIV || (insn.code & 0xf0) === BPF_MOD) && (insn.code & BPF_X) === 0 && insn.k === 0) fail(pc, 'division by zero');
        break;
      case BPF_JMP: {
        const op = insn.code & 0xf0;
        if (op === BPF_JA) {
          if (pc + 1 + insn.k >= insns.length) fail(pc, 'jump out of the program');
        } else if (pc + 1 + Math.max(insn.jt, insn.jf) >= insns.length) fail(pc, 'jump out of the program');
        break;
      }
      case BPF_RET:
      case BPF_MISC:
        break;
    }
  });
  const lastCode = insns[insns.length - 1]!.code;
  if ((lastCode & 0x07) !== BPF_RET) throw new InvalidProgramError('the last instruction is not a return');
}

/** Runs one program. The program must have passed validateProgram. */
export function runProgram(insns: readonly Insn[], data: SeccompData): RunResult {
  const view = encodeData(data);
  const mem = new Uint32Array(MEMWORDS);
  let a = 0;
  let x = 0;
  let steps = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc]!;
    const { code, k } = insn;
    steps++;
    const src = (code & BPF_X) !== 0 ? x : k;
    switch (code & 0x07) {
      case BPF_LD:
        a = ldValue(code, k, view, mem);
        break;
      case BPF_LDX:
        x = ldValue(code, k, view, mem);
        break;
      case BPF_ST:
        mem[k] = a;
        break;
      case BPF_STX:
        mem[k] = x;
        break;
      case BPF_ALU:
        a = alu(code & 0xf0, a, src >>> 0);
        break;
      case BPF_JMP:
        if ((code & 0xf0) === BPF_JA) pc += k;
        else pc += jumpTaken(code & 0xf0, a, src >>> 0) ? insn.jt : insn.jf;
        break;
      case BPF_RET: {
        const ret = ((code & 0x18) === BPF_A ? a : k) >>> 0;
        return { ret, action: decodeAction(ret), steps };
      }
      case BPF_MISC:
        if ((code & 0xf8) === BPF_TAX) x = a;
        else a = x;
        break;
    }
  }
  throw new InvalidProgramError('ran off the end of the program');
}

function ldValue(code: number, k: number, view: DataView, mem: Uint32Array): number {
  switch (code & 0xe0) {
    case BPF_ABS:
      return view.getUint32(k, true);
    case BPF_MEM:
      return mem[k] ?? 0;
    case BPF_LEN:
      return SECCOMP_DATA_SIZE;
    default:
      return k >>> 0;
  }
}

function alu(op: number, a: number, v: number): number {
  switch (op) {
    case BPF_ADD: return (a + v) >>> 0;
    case BPF_SUB: return (a - v) >>> 0;
    case BPF_MUL: return Math.imul(a, v) >>> 0;
    case BPF_DIV: return v === 0 ? 0 : Math.floor(a / v) >>> 0;
    case BPF_MOD: return v === 0 ? 0 : (a % v) >>> 0;
    case BPF_OR: return (a | v) >>> 0;
    case BPF_AND: return (a & v) >>> 0;
    case BPF_XOR: return (a ^ v) >>> 0;
    case BPF_LSH: return v >= 32 ? 0 : (a << v) >>> 0;
    case BPF_RSH: return v >= 32 ? 0 : a >>> v;
    case BPF_NEG: return -a >>> 0;
    default: return a;
  }
}

function jumpTaken(op: number, a: number, v: number): boolean {
  switch (op) {
    case BPF_JEQ: return a === v;
    case BPF_JGT: return a > v;
    case BPF_JGE: return a >= v;
    case BPF_JSET: return (a & v) !== 0;
    default: return false;
  }
}

/**
 * Runs stacked programs as the kernel does: every program runs, and the verdict whose action
 * (ret & 0xffff0000, compared as a signed int) is lowest wins; on a tie the most recently loaded does.
 * `programs` are in load order.
 */
export function runFilters(programs: readonly (readonly Insn[])[], data: SeccompData): RunResult {
  let ret = SECCOMP_RET_ALLOW;
  let steps = 0;
  for (let i = programs.length - 1; i >= 0; i--) {
    const r = runProgram(programs[i]!, data);
    steps += r.steps;
    if ((r.ret & SECCOMP_RET_ACTION_FULL) >> 0 < (ret & SECCOMP_RET_ACTION_FULL) >> 0) ret = r.ret;
  }
  return { ret, action: decodeAction(ret), steps };
}

/**
 * Whether the kernel (5.11+) caches "allow" for this (arch, nr) when the filter is attached: its
 * emulator (seccomp_is_const_allow) follows the program knowing only arch and nr, and gives up at any
 * other load or unknown instruction. Cached syscalls skip the filter entirely.
 */
export function kernelCachesAllow(insns: readonly Insn[], arch: number, nr: number): boolean {
  let a = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, k, jt, jf } = insns[pc]!;
    switch (code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (k === OFF_NR) a = nr >>> 0;
        else if (k === OFF_ARCH) a = arch >>> 0;
        else return false;
        break;
      case BPF_RET: // BPF_RET | BPF_K
        return k >>> 0 === SECCOMP_RET_ALLOW;
      case BPF_JMP | BPF_JA:
        pc += k;
        break;
      case BPF_JMP | BPF_JEQ:
      case BPF_JMP | BPF_JGE:
      case BPF_JMP | BPF_JGT:
      case BPF_JMP | BPF_JSET:
        pc += jumpTaken(code & 0xf0, a, k >>> 0) ? jt : jf;
        break;
      case BPF_ALU | BPF_AND:
        a = (a & k) >>> 0;
        break;
      default:
        return false;
    }
  }
  return false;
}
