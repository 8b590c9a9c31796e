/**
 * FilterSpec → BPF programs ready for `bwrap --add-seccomp-fd`. One program when it fits in the kernel's
 * 4,096-instruction limit; otherwise the filter is split into several programs (one per ABI, then per
 * range of syscall numbers), each exact within its part and ALLOW outside it. The kernel runs every
 * loaded program and takes the strictest verdict, so the split filter decides as the whole one would.
 */
import type { Arch } from './arch.ts';
import { ALLOW, decodeProgram, encodeProgram, MAX_INSNS, MAX_INSNS_PER_PATH, type Insn } from './bpf.ts';
import { generateProgram, type Layout, type ProgramShape } from './codegen.ts';
import { SeccompError } from './error.ts';
import { buildIntervals, clipIntervals, type Interval } from './intervals.ts';
import type { FilterPlan } from './ir.ts';
import { specKey } from './key.ts';
import { planFilter } from './planner.ts';
import { PRECOMPILED } from './precompiled.generated.ts';
import type { FilterSpec } from './spec.ts';

export interface CompileOptions {
  /** `tree` (default) or `linear`, Firejail's layout, for comparisons. */
  readonly layout?: Layout;
  /** Split above this many instructions per program; the kernel's limit by default. For tests. */
  readonly maxInstructions?: number;
  /** Use the precompiled programs of common specs (default true; the generator and tests turn it off). */
  readonly precompiled?: boolean;
}

export interface CompiledFilter {
  readonly arch: Arch;
  /** `struct sock_filter` arrays in load order, one `--add-seccomp-fd` each. */
  readonly programs: readonly Uint8Array[];
  /** The same programs as instructions, for the simulator and the printer. */
  readonly insns: readonly (readonly Insn[])[];
  readonly instructionCount: number;
  /** Things worth telling the user: skipped names, execve blocked, … */
  readonly notes: readonly string[];
  /** What the programs implement, per ABI (for the rule listing). */
  readonly plan: FilterPlan;
}

export function compileFilter(spec: FilterSpec, opts: CompileOptions = {}): CompiledFilter {
  if (opts.precompiled !== false && opts.layout === undefined && opts.maxInstructions === undefined) {
    const hit = PRECOMPILED[specKey(spec)];
    if (hit !== undefined) return precompiledFilter(spec, hit);
  }
  return compilePlan(planFilter(spec), opts);
}

/**
 * A filter from the precompiled table (see common-specs.ts): NOTE: the cold first run of the compiler
 * costs a few milliseconds of a ~10 ms launch, so the common specs are looked up instead. The plan and
 * the instruction lists are only made when asked for (printing).
 */
function precompiledFilter(spec: FilterSpec, encoded: readonly string[]): CompiledFilter {
  const programs = encoded.map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
  let insns: Insn[][] | undefined;
  let plan: FilterPlan | undefined;
  return {
    arch: spec.arch,
    programs,
    get insns() {
      return (insns ??= programs.map(decodeProgram));
    },
    instructionCount: programs.reduce((n, p) => n + p.length / 8, 0),
    notes: [],
    get plan() {
      return (plan ??= planFilter(spec));
    },
  };
}

export function compilePlan(plan: FilterPlan, opts: CompileOptions = {}): CompiledFilter {
  const layout = opts.layout ?? 'tree';
  const max = opts.maxInstructions ?? MAX_INSNS;
  const trees = plan.abis.map((abi) => ({ auditArch: abi.auditArch, intervals: buildIntervals(abi) }));
  const whole = generateProgram({ subtrees: trees, passArches: [], otherArch: plan.badArch }, layout);
  // Split programs together are never shorter than the whole: no need to try when it cannot fit.
  if (whole.length > MAX_INSNS_PER_PATH) throw new SeccompError({ kind: 'too-large', instructions: whole.length, limit: MAX_INSNS_PER_PATH });
  const insns = whole.length <= max ? [whole] : split(plan, trees, layout, max);
  const total = insns.reduce((n, p) => n + p.length + 4, 0);
  if (total > MAX_INSNS_PER_PATH) {
    throw new SeccompError({ kind: 'too-large', instructions: total - 4 * insns.length, limit: MAX_INSNS_PER_PATH });
  }
  return {
    arch: plan.arch,
    programs: insns.map(encodeProgram),
    insns,
    instructionCount: insns.reduce((n, p) => n + p.length, 0),
    notes: plan.notes,
    plan,
  };
}

type Tree = { readonly auditArch: number; readonly intervals: readonly Interval[] };

function split(plan: FilterPlan, trees: readonly Tree[], layout: Layout, max: number): Insn[][] {
  const programs: Insn[][] = [];
  trees.forEach((tree, t) => {
    // The first program also turns away unknown arches; the others pass every arch they do not handle.
    const shapeOf = (intervals: readonly Interval[]): ProgramShape =>
      programs.length === 0
        ? { subtrees: [{ auditArch: tree.auditArch, intervals }], passArches: trees.filter((_, i) => i !== t).map((x) => x.auditArch), otherArch: plan.badArch }
        : { subtrees: [{ auditArch: tree.auditArch, intervals }], passArches: [], otherArch: ALLOW };
    const iv = tree.intervals;
    let from = 0;
    while (from < iv.length) {
      // The longest run of intervals from `from` whose program fits, by binary search on its end.
      let lo = from;
      let hi = Math.min(iv.length - 1, from + max); // every interval costs at least one instruction
      let best: Insn[] | undefined;
      let bestEnd = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const prog = generateProgram(shapeOf(clipIntervals(iv, from, mid)), layout);
        if (prog.length <= max) {
          best = prog;
          bestEnd = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (best === undefined) {
        const alone = generateProgram(shapeOf(clipIntervals(iv, from, from)), layout);
        throw new SeccompError({ kind: 'too-large', instructions: alone.length, limit: max });
      }
      programs.push(best);
      from = bestEnd + 1;
    }
  });
  return programs;
}
