/**
 * Classic BPF as seccomp uses it: opcodes (include/uapi/linux/bpf_common.h, filter.h), the layout of
 * `struct seccomp_data`, the SECCOMP_RET_* actions, and `struct sock_filter` encoding.
 */
import { errnoName } from './errno.ts';

export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

export const BPF_W = 0x00;
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;

export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** BPF_MAXINSNS: the kernel refuses a longer program. */
export const MAX_INSNS = 4096;
/** MAX_INSNS_PER_PATH: a task's stacked filters may total this many instructions, plus 4 per filter. */
export const MAX_INSNS_PER_PATH = 32768;
/** The number of scratch memory cells (BPF_MEMWORDS). */
export const MEMWORDS = 16;

/** `struct seccomp_data`: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]. */
export const SECCOMP_DATA_SIZE = 64;
export const OFF_NR = 0;
export const OFF_ARCH = 4;
export const OFF_IP = 8;
/**
 * NOTE: the offset of an argument's low 32 bits, on a little-endian arch (all of kiln's). Syscall
 * arguments of C type int or unsigned int are truncated to 32 bits by the kernel, so filters compare only
 * this half: a compare of all 64 bits would see socket(0x100000001, …) as family 0x100000001, not AF_UNIX.
 */
export function offArgLow(arg: number): number {
  return 16 + 8 * arg;
}

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

/** A filter verdict. kiln emits allow, log, errno and kill (of the whole process); the rest are decoded. */
export type Action =
  | { readonly kind: 'allow' }
  | { readonly kind: 'log' }
  | { readonly kind: 'errno'; readonly errno: number }
  | { readonly kind: 'kill' }
  | { readonly kind: 'kill-thread' }
  | { readonly kind: 'trap'; readonly data: number }
  | { readonly kind: 'trace'; readonly data: number }
  | { readonly kind: 'user-notif' };

export const ALLOW: Action = { kind: 'allow' };
export const KILL: Action = { kind: 'kill' };
export const LOG: Action = { kind: 'log' };
export function errnoAction(errno: number): Action {
  return { kind: 'errno', errno };
}

export function encodeAction(a: Action): number {
  switch (a.kind) {
    case 'allow':
      return SECCOMP_RET_ALLOW;
    case 'log':
      return SECCOMP_RET_LOG;
    case 'errno':
      return (SECCOMP_RET_ERRNO | (a.errno & SECCOMP_RET_DATA)) >>> 0;
    case 'kill':
      return SECCOMP_RET_KILL_PROCESS;
    case 'kill-thread':
      return SECCOMP_RET_KILL_THREAD;
    case 'trap':
      return (SECCOMP_RET_TRAP | (a.data & SECCOMP_RET_DATA)) >>> 0;
    case 'trace':
      return (SECCOMP_RET_TRACE | (a.data & SECCOMP_RET_DATA)) >>> 0;
    case 'user-notif':
      return SECCOMP_RET_USER_NOTIF;
  }
}

/** Decodes a return value the way the kernel does (unknown actions kill the process). */
export function decodeAction(ret: number): Action {
  const data = ret & SECCOMP_RET_DATA;
  switch ((ret & SECCOMP_RET_ACTION_FULL) >>> 0) {
    case SECCOMP_RET_KILL_PROCESS:
      return KILL;
    case SECCOMP_RET_KILL_THREAD:
      return { kind: 'kill-thread' };
    case SECCOMP_RET_TRAP:
      return { kind: 'trap', data };
    case SECCOMP_RET_ERRNO:
      return errnoAction(Math.min(data, 4095));
    case SECCOMP_RET_USER_NOTIF:
      return { kind: 'user-notif' };
    case SECCOMP_RET_LOG:
      return LOG;
    case SECCOMP_RET_ALLOW:
      return ALLOW;
    default:
      return ((ret & SECCOMP_RET_ACTION_FULL) >>> 0) === SECCOMP_RET_TRACE ? { kind: 'trace', data } : KILL;
  }
}

/** `ALLOW`, `ERRNO(EPERM)`, `KILL_PROCESS`, … as the printer shows verdicts. */
export function formatAction(a: Action): string {
  switch (a.kind) {
    case 'allow':
      return 'ALLOW';
    case 'log':
      return 'LOG';
    case 'errno':
      return `ERRNO(${errnoName(a.errno)})`;
    case 'kill':
      return 'KILL_PROCESS';
    case 'kill-thread':
      return 'KILL';
    case 'trap':
      return `TRAP(${a.data})`;
    case 'trace':
      return `TRACE(${a.data})`;
    case 'user-notif':
      return 'USER_NOTIF';
  }
}

export function sameAction(a: Action, b: Action): boolean {
  return encodeAction(a) === encodeAction(b);
}

/** One `struct sock_filter`. */
export interface Insn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/**
 * `struct sock_filter[]` in native byte order (little-endian on every arch kiln supports): 8 bytes per
 * instruction, written as two host-order 32-bit words.
 */
export function encodeProgram(insns: readonly Insn[]): Uint8Array {
  const words = new Uint32Array(insns.length * 2);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    words[2 * i] = (insn.code | (insn.jt << 16) | (insn.jf << 24)) >>> 0;
    words[2 * i + 1] = insn.k >>> 0;
  }
  return new Uint8Array(words.buffer);
}

export function decodeProgram(bytes: Uint8Array): Insn[] {
  if (bytes.length % 8 !== 0) throw new RangeError(`a BPF program is a multiple of 8 bytes, not ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let off = 0; off < bytes.length; off += 8) {
    out.push({ code: view.getUint16(off, true), jt: view.getUint8(off + 2), jf: view.getUint8(off + 3), k: view.getUint32(off + 4, true) });
  }
  return out;
}
