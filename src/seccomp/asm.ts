/**
 * A small assembler for seccomp BPF with symbolic jump targets. Code is emitted against labels; layout
 * resolves them and, where a conditional jump's 8-bit offset cannot reach its target (over 255
 * instructions ahead), inserts a trampoline after the jump: a copy of the target's `ret`, or a `ja`
 * (32-bit offset). Only forward jumps exist in BPF, and the generator only emits forward references.
 */
import { assertNever } from '../errors.ts';
import { BPF_ABS, BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_W, type Insn } from './bpf.ts';

export class Label {
  /** Set by layout: the index of the instruction the label stands before. */
  pos = -1;
  constructor(readonly hint: string) {}
}

export type Cond = 'jeq' | 'jge' | 'jgt' | 'jset';

type Op =
  | { readonly op: 'ld'; readonly off: number }
  | { readonly op: 'and'; readonly k: number }
  /** A target of null is the next instruction. */
  | { readonly op: 'jcc'; readonly cond: Cond; readonly k: number; readonly t: Label | null; readonly f: Label | null }
  | { readonly op: 'ja'; readonly to: Label }
  | { readonly op: 'ret'; readonly k: number }
  | { readonly op: 'label'; readonly label: Label };

const COND_CODE: Readonly<Record<Cond, number>> = { jeq: BPF_JEQ, jge: BPF_JGE, jgt: BPF_JGT, jset: BPF_JSET };

export class Assembler {
  private ops: Op[] = [];

  ld(off: number): void {
    this.ops.push({ op: 'ld', off });
  }
  and(k: number): void {
    this.ops.push({ op: 'and', k: k >>> 0 });
  }
  jcc(cond: Cond, k: number, t: Label | null, f: Label | null): void {
    this.ops.push({ op: 'jcc', cond, k: k >>> 0, t, f });
  }
  ja(to: Label): void {
    this.ops.push({ op: 'ja', to });
  }
  ret(k: number): void {
    this.ops.push({ op: 'ret', k: k >>> 0 });
  }
  place(label: Label): void {
    this.ops.push({ op: 'label', label });
  }

  /** Lays the code out: resolves labels, relaxing far conditional jumps until every offset fits. */
  assemble(): Insn[] {
    let ops = this.ops;
    for (;;) {
      layout(ops);
      let far: Set<number> | undefined;
      let pc = 0;
      for (let i = 0; i < ops.length; i++) {
        const o = ops[i]!;
        if (o.op === 'label') continue;
        if (o.op === 'jcc' && (dist(o.t, pc) > 255 || dist(o.f, pc) > 255)) (far ??= new Set()).add(i);
        pc++;
      }
      if (far === undefined) return encode(ops);
      ops = relax(ops, far);
    }
  }
}

function layout(ops: readonly Op[]): void {
  for (const o of ops) if (o.op === 'label') o.label.pos = -1;
  let pc = 0;
  for (const o of ops) {
    if (o.op === 'label') o.label.pos = pc;
    else pc++;
  }
}

function dist(target: Label | null, pc: number): number {
  if (target === null) return 0;
  if (target.pos < 0) throw new Error(`BPF assembler: label '${target.hint}' is never placed`);
  const d = target.pos - pc - 1;
  if (d < 0) throw new Error(`BPF assembler: backward jump to '${target.hint}'`);
  return d;
}

/** For each label, the `ret` it lands on, if any: a far jump there gets a copy instead of a `ja`. */
function retsAt(ops: readonly Op[]): Map<Label, number> {
  const rets = new Map<Label, number>();
  let pending: Label[] = [];
  for (const o of ops) {
    if (o.op === 'label') {
      pending.push(o.label);
      continue;
    }
    if (o.op === 'ret') for (const l of pending) rets.set(l, o.k);
    pending = [];
  }
  return rets;
}

function relax(ops: readonly Op[], far: ReadonlySet<number>): Op[] {
  const rets = retsAt(ops);
  const out: Op[] = [];
  let pc = 0;
  ops.forEach((o, i) => {
    if (o.op === 'label') return void out.push(o);
    pc++;
    if (o.op !== 'jcc' || !far.has(i)) return void out.push(o);
    const here = pc - 1;
    const after = new Label('after-trampoline');
    const tramps: Op[] = [];
    const route = (target: Label | null): Label => {
      if (target === null) return after;
      if (dist(target, here) <= 253) return target; // still in reach after at most two trampolines
      const tramp = new Label(`trampoline-${target.hint}`);
      const k = rets.get(target);
      tramps.push({ op: 'label', label: tramp }, k === undefined ? { op: 'ja', to: target } : { op: 'ret', k });
      return tramp;
    };
    const t = route(o.t);
    const f = o.f === o.t ? t : route(o.f);
    out.push({ ...o, t, f }, ...tramps, { op: 'label', label: after });
  });
  return out;
}

function encode(ops: readonly Op[]): Insn[] {
  const out: Insn[] = [];
  for (const o of ops) {
    const pc = out.length;
    switch (o.op) {
      case 'label':
        break;
      case 'ld':
        out.push({ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: o.off });
        break;
      case 'and':
        out.push({ code: BPF_ALU | BPF_AND | BPF_K, jt: 0, jf: 0, k: o.k });
        break;
      case 'jcc':
        out.push({ code: BPF_JMP | COND_CODE[o.cond] | BPF_K, jt: dist(o.t, pc), jf: dist(o.f, pc), k: o.k });
        break;
      case 'ja':
        out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: dist(o.to, pc) });
        break;
      case 'ret':
        out.push({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: o.k });
        break;
      default:
        assertNever(o);
    }
  }
  return out;
}
