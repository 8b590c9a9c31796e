/**
 * Intervals → BPF. The tree layout is a binary search over syscall numbers: each `jge` halves the
 * intervals left, so a syscall costs about log2(intervals) compares and argument loads happen only in
 * the leaves of the few syscalls with argument checks. The linear layout (a `jeq` per rule, as Firejail
 * emits) exists for comparison in tests and benchmarks.
 */
import { Assembler, Label } from './asm.ts';
import { encodeAction, OFF_ARCH, OFF_NR, offArgLow, type Action, type Insn } from './bpf.ts';
import type { ArgTest, Outcome } from './ir.ts';
import type { Interval } from './intervals.ts';

export type Layout = 'tree' | 'linear';

/** What one program contains: subtrees by AUDIT_ARCH, arches passed through, and the rest. */
export interface ProgramShape {
  readonly subtrees: readonly { readonly auditArch: number; readonly intervals: readonly Interval[] }[];
  /** Arches another program of a split filter handles: ALLOW here. */
  readonly passArches: readonly number[];
  readonly otherArch: Action;
}

export function generateProgram(shape: ProgramShape, layout: Layout): Insn[] {
  const g = new Generator();
  g.program(shape, layout);
  return g.asm.assemble();
}

class Generator {
  readonly asm = new Assembler();
  private readonly rets = new Map<number, Label>();

  private retLabel(action: Action): Label {
    const k = encodeAction(action);
    let l = this.rets.get(k);
    if (l === undefined) {
      l = new Label(`ret-${k.toString(16)}`);
      this.rets.set(k, l);
    }
    return l;
  }

  program(shape: ProgramShape, layout: Layout): void {
    const a = this.asm;
    // NOTE: the architecture comes first: syscall numbers mean different things on each ABI.
    a.ld(OFF_ARCH);
    const entries = shape.subtrees.map((s) => new Label(`arch-${s.auditArch.toString(16)}`));
    shape.subtrees.forEach((s, i) => a.jcc('jeq', s.auditArch, entries[i]!, null));
    for (const arch of shape.passArches) a.jcc('jeq', arch, this.retLabel({ kind: 'allow' }), null);
    a.ret(encodeAction(shape.otherArch));
    shape.subtrees.forEach((s, i) => {
      a.place(entries[i]!);
      a.ld(OFF_NR);
      if (layout === 'tree') this.tree(s.intervals);
      else this.linear(s.intervals);
    });
    for (const [k, label] of this.rets) {
      a.place(label);
      a.ret(k);
    }
  }

  // ── decision tree ──────────────────────────────────────────────────────────────────────────────────

  private tree(iv: readonly Interval[]): void {
    const root = this.child(iv, 0, iv.length - 1);
    if (this.isLeaf(iv, 0, iv.length - 1)) this.asm.ja(root);
    else this.emitChild(iv, 0, iv.length - 1, root);
  }

  /** iv[lo..hi] is one plain verdict: parents jump straight to its shared `ret`. */
  private isLeaf(iv: readonly Interval[], lo: number, hi: number): boolean {
    return lo === hi && iv[lo]!.outcome.kind === 'action';
  }

  /** Where a parent jumps for iv[lo..hi]. */
  private child(iv: readonly Interval[], lo: number, hi: number): Label {
    const o = iv[lo]!.outcome;
    return lo === hi && o.kind === 'action' ? this.retLabel(o.action) : new Label(`nr-${iv[lo]!.lo}`);
  }

  private emitChild(iv: readonly Interval[], lo: number, hi: number, label: Label): void {
    if (this.isLeaf(iv, lo, hi)) return;
    this.asm.place(label);
    this.node(iv, lo, hi);
  }

  private node(iv: readonly Interval[], lo: number, hi: number): void {
    const a = this.asm;
    if (lo === hi) return this.args(iv[lo]!.outcome);
    const point = iv[lo + 1]!;
    if (hi - lo === 2 && iv[lo]!.key === iv[hi]!.key && point.lo === point.hi) {
      // [Y][p][Y]: one jeq instead of two range compares.
      const hit = this.child(iv, lo + 1, lo + 1);
      const rest = this.child(iv, lo, lo);
      a.jcc('jeq', point.lo, hit, rest);
      this.emitChild(iv, lo, lo, rest);
      this.emitChild(iv, lo + 1, lo + 1, hit);
      return;
    }
    const mid = (lo + hi + 1) >> 1;
    const left = this.child(iv, lo, mid - 1);
    const right = this.child(iv, mid, hi);
    a.jcc('jge', iv[mid]!.lo, right, left);
    this.emitChild(iv, lo, mid - 1, left);
    this.emitChild(iv, mid, hi, right);
  }

  // ── argument checks ────────────────────────────────────────────────────────────────────────────────

  private args(o: Outcome): void {
    if (o.kind === 'action') return this.asm.ja(this.retLabel(o.action));
    let holds: number | undefined; // the argument whose low half A holds
    o.checks.forEach((c, i) => {
      const last = i === o.checks.length - 1;
      const no = last ? this.retLabel(o.fallback) : new Label('next-check');
      holds = this.test(c.test, this.retLabel(c.action), no, holds);
      if (!last) this.asm.place(no);
    });
  }

  /** Emits `if test goto yes else goto no`; returns what A holds afterwards. */
  private test(t: ArgTest, yes: Label, no: Label, holds: number | undefined): number | undefined {
    const a = this.asm;
    if (holds !== t.arg) a.ld(offArgLow(t.arg));
    const chain = (values: readonly number[], hit: Label, miss: Label) => {
      if (values.length === 0) return a.ja(miss);
      values.forEach((v, i) => a.jcc('jeq', v, hit, i === values.length - 1 ? miss : null));
    };
    switch (t.kind) {
      case 'in':
        chain(t.values, yes, no);
        return t.arg;
      case 'not-in':
        chain(t.values, no, yes);
        return t.arg;
      case 'masked-in':
        a.and(t.mask);
        chain(t.values, yes, no);
        return undefined;
      case 'bits-any':
        if (t.orZero) a.jcc('jeq', 0, yes, null);
        a.jcc('jset', t.mask, yes, no);
        return t.arg;
      case 'bits-all':
        a.and(t.mask);
        a.jcc('jeq', t.mask, yes, no);
        return undefined;
    }
  }

  // ── linear chain (for comparison) ──────────────────────────────────────────────────────────────────

  /** One compare per interval that differs from the most common verdict, ranges first, then in order. */
  private linear(iv: readonly Interval[]): void {
    const a = this.asm;
    const counts = new Map<string, number>();
    for (const i of iv) counts.set(i.key, (counts.get(i.key) ?? 0) + 1);
    const common = [...counts].sort((x, y) => y[1] - x[1])[0]![0];
    const fallback = iv.find((i) => i.key === common)!;
    const rules = iv.filter((i) => i.key !== common);
    const ordered = [...rules.filter((i) => i.lo !== i.hi), ...rules.filter((i) => i.lo === i.hi && i.outcome.kind === 'action'), ...rules.filter((i) => i.lo === i.hi && i.outcome.kind === 'args')];
    for (const r of ordered) {
      const hit = this.child([r], 0, 0);
      const miss = new Label('next-rule');
      if (r.lo === r.hi) {
        a.jcc('jeq', r.lo, hit, miss);
      } else {
        a.jcc('jge', r.lo, null, miss);
        a.jcc('jgt', r.hi, miss, hit);
      }
      this.emitChild([r], 0, 0, hit);
      a.place(miss);
    }
    this.args(fallback.outcome);
  }
}
