/**
 * The BPF printer: one line per instruction in the layout of Firejail's `--seccomp.print`, with
 * architectures, syscall names and argument constants written out. It follows the program's control
 * flow to know what the accumulator holds, so it also reads filters kiln did not write (Firejail's).
 */
import { archByAudit, auditArchName, X32_SYSCALL_BIT, type Arch } from './arch.ts';
import {
  BPF_ABS, BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_LD, BPF_RET, BPF_W,
  OFF_ARCH, OFF_IP, OFF_NR, decodeAction, formatAction, type Insn,
} from './bpf.ts';
import { CLONE_NEWTIME, FAMILIES, NAMESPACE_FLAGS, PROT_EXEC, PROT_WRITE, SHM_EXEC, SHMAT_CALL, SYS_SOCKET, TIOCLINUX, TIOCSTI } from './features.ts';
import { syscallName } from './syscalls.ts';

type Acc =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'arch' }
  | { readonly kind: 'nr' }
  | { readonly kind: 'arg'; readonly arg: number; readonly hi: boolean };

interface State {
  readonly arch: number | undefined;
  readonly acc: Acc;
  /** The syscall numbers that can reach this instruction. */
  readonly lo: number;
  readonly hi: number;
}

const START: State = { arch: undefined, acc: { kind: 'unknown' }, lo: 0, hi: 0xffffffff };

function merge(a: State | undefined, b: State): State {
  if (a === undefined) return b;
  return {
    arch: a.arch === b.arch ? a.arch : undefined,
    acc: JSON.stringify(a.acc) === JSON.stringify(b.acc) ? a.acc : { kind: 'unknown' },
    lo: Math.min(a.lo, b.lo),
    hi: Math.max(a.hi, b.hi),
  };
}

const hex = (n: number, width = 0) => (n >>> 0).toString(16).padStart(width, '0');

function flagNames(value: number, names: Readonly<Record<string, number>>): string | undefined {
  const parts = Object.entries(names).filter(([, f]) => (value & f) === f && f !== 0).map(([n]) => n);
  const covered = parts.reduce((m, n) => m | (names[n] ?? 0), 0);
  return parts.length > 0 && covered >>> 0 === value >>> 0 ? parts.join('|') : undefined;
}

const CLONE_NAMES: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(NAMESPACE_FLAGS).map(([ns, f]) => [f === CLONE_NEWTIME ? 'CLONE_NEWTIME' : `CLONE_NEW${ns === 'mnt' ? 'NS' : ns.toUpperCase()}`, f]),
);
const AF_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(FAMILIES).map(([p, f]) => [f, `AF_${p.toUpperCase()}`]));

/** A name for a constant compared with an argument of a known syscall. */
function argConstant(syscall: string | undefined, arg: number, k: number): string | undefined {
  switch (`${syscall}/${arg}`) {
    case 'ioctl/1':
      return k === TIOCSTI ? 'TIOCSTI' : k === TIOCLINUX ? 'TIOCLINUX' : undefined;
    case 'socket/0':
      return AF_NAMES[k];
    case 'socketcall/0':
      return k === SYS_SOCKET ? 'SYS_SOCKET' : undefined;
    case 'clone/0':
    case 'unshare/0':
    case 'setns/1':
      return flagNames(k, CLONE_NAMES);
    case 'mmap/2':
    case 'mmap2/2':
    case 'mprotect/2':
    case 'pkey_mprotect/2':
      return flagNames(k, { PROT_WRITE, PROT_EXEC });
    case 'shmat/2':
      return k === SHM_EXEC ? 'SHM_EXEC' : undefined;
    case 'ipc/0':
      return k === SHMAT_CALL ? 'SHMAT' : undefined;
    case 'personality/0':
      return k === 0 ? 'PER_LINUX' : k === 0xffffffff ? 'QUERY' : undefined;
    default:
      return undefined;
  }
}

function ldText(k: number): { text: string; acc: Acc } {
  if (k === OFF_ARCH) return { text: 'data.architecture', acc: { kind: 'arch' } };
  if (k === OFF_NR) return { text: 'data.syscall-number', acc: { kind: 'nr' } };
  if (k === OFF_IP || k === OFF_IP + 4) return { text: `data.instruction-pointer${k === OFF_IP ? '' : '.hi'}`, acc: { kind: 'unknown' } };
  const arg = Math.floor((k - 16) / 8);
  const hi = (k - 16) % 8 === 4;
  return { text: `data.args[${arg}]${hi ? '.hi' : ''}`, acc: { kind: 'arg', arg, hi } };
}

function operand(state: State, k: number): string {
  const arch: Arch | undefined = state.arch === undefined ? undefined : archByAudit(state.arch);
  switch (state.acc.kind) {
    case 'arch':
      return auditArchName(k);
    case 'nr':
      if (arch === 'x86_64' && k === X32_SYSCALL_BIT) return 'X32_ABI';
      return (arch && syscallName(arch, k)) ?? `0x${hex(k)}`;
    case 'arg': {
      const syscall = arch !== undefined && state.lo === state.hi ? syscallName(arch, state.lo) : undefined;
      const name = state.acc.hi ? undefined : argConstant(syscall, state.acc.arg, k);
      return name ?? `0x${hex(k)}`;
    }
    case 'unknown':
      return `0x${hex(k)}`;
  }
}

/** Refines what is known on a jump's taken (true) or not-taken (false) edge. */
function refine(s: State, op: number, k: number, taken: boolean): State {
  if (s.acc.kind === 'arch' && op === BPF_JEQ && taken) return { ...s, arch: k };
  if (s.acc.kind !== 'nr') return s;
  switch (op) {
    case BPF_JEQ:
      return taken ? { ...s, lo: k, hi: k } : s;
    case BPF_JGE:
      return taken ? { ...s, lo: Math.max(s.lo, k) } : { ...s, hi: Math.min(s.hi, k - 1) };
    case BPF_JGT:
      return taken ? { ...s, lo: Math.max(s.lo, k + 1) } : { ...s, hi: Math.min(s.hi, k) };
    default:
      return s;
  }
}

const JMP_NAMES: Readonly<Record<number, string>> = { [BPF_JEQ]: 'jeq', [BPF_JGE]: 'jge', [BPF_JGT]: 'jgt', [BPF_JSET]: 'jset' };

/** Firejail-style listing of one program. */
export function disassemble(insns: readonly Insn[]): string {
  const states: (State | undefined)[] = new Array(insns.length);
  states[0] = START;
  const flow = (pc: number, s: State) => {
    if (pc < insns.length) states[pc] = merge(states[pc], s);
  };
  const lines = [' line  OP JT JF    K', '================================='];
  insns.forEach((insn, pc) => {
    const s = states[pc] ?? START;
    const { code, jt, jf, k } = insn;
    let text: string;
    if (code === (BPF_LD | BPF_W | BPF_ABS)) {
      const ld = ldText(k);
      text = `ld  ${ld.text}`;
      flow(pc + 1, { ...s, acc: ld.acc });
    } else if (code === (BPF_ALU | BPF_AND)) {
      text = `and 0x${hex(k, 8)}`;
      flow(pc + 1, s); // the argument context stays, for naming the masked constant
    } else if (code === (BPF_JMP | BPF_JA)) {
      text = `jmp ${hex(pc + 1 + k, 4)}`;
      flow(pc + 1 + k, s);
    } else if ((code & 0x07) === BPF_JMP && JMP_NAMES[code & 0xf0] !== undefined && (code & 0x08) === 0) {
      const op = code & 0xf0;
      text = `${JMP_NAMES[op]} ${operand(s, k)} ${hex(pc + 1 + jt, 4)} (false ${hex(pc + 1 + jf, 4)})`;
      flow(pc + 1 + jt, refine(s, op, k, true));
      flow(pc + 1 + jf, refine(s, op, k, false));
    } else if (code === BPF_RET) {
      text = `ret ${formatAction(decodeAction(k))}`;
    } else {
      text = `(opcode 0x${hex(code, 2)})`;
      flow(pc + 1, { ...s, acc: { kind: 'unknown' } });
    }
    lines.push(` ${hex(pc, 4)}: ${hex(code & 0xff, 2)} ${hex(jt, 2)} ${hex(jf, 2)} ${hex(k, 8)}   ${text}`);
  });
  return `${lines.join('\n')}\n`;
}
