/**
 * The compiler's middle: what each syscall number of each ABI gets, before any BPF exists. The planner
 * fills it from a FilterSpec; the code generator lays it out as a decision tree.
 */
import type { Arch } from './arch.ts';
import { encodeAction, formatAction, type Action } from './bpf.ts';

export type ArgIndex = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * A test on the low 32 bits of one argument (see offArgLow: every test here is about an int-sized value or
 * about flag bits below bit 32, and the kernel ignores the high half of int arguments).
 */
export type ArgTest =
  /** arg ∈ values */
  | { readonly kind: 'in'; readonly arg: ArgIndex; readonly values: readonly number[] }
  /** arg ∉ values */
  | { readonly kind: 'not-in'; readonly arg: ArgIndex; readonly values: readonly number[] }
  /** (arg & mask) ∈ values */
  | { readonly kind: 'masked-in'; readonly arg: ArgIndex; readonly mask: number; readonly values: readonly number[] }
  /** (arg & mask) ≠ 0, or arg = 0 when orZero */
  | { readonly kind: 'bits-any'; readonly arg: ArgIndex; readonly mask: number; readonly orZero: boolean }
  /** (arg & mask) = mask */
  | { readonly kind: 'bits-all'; readonly arg: ArgIndex; readonly mask: number };

/** If the test holds, the syscall gets `action`. */
export interface ArgCheck {
  readonly test: ArgTest;
  readonly action: Action;
  /** The option this check implements, for listings (`protocol`, `restrict-namespaces`, …). */
  readonly why: string;
}

export type Outcome =
  | { readonly kind: 'action'; readonly action: Action }
  /** Checks in order; the first that holds decides, else `fallback`. */
  | { readonly kind: 'args'; readonly checks: readonly ArgCheck[]; readonly fallback: Action };

/** One line of the rule listing (`--seccomp.print`'s summary and `--debug`). */
export type RuleLine =
  | { readonly kind: 'blacklist'; readonly nr: number; readonly name: string; readonly action: Action }
  | { readonly kind: 'whitelist'; readonly nr: number; readonly name: string }
  | { readonly kind: 'argcheck'; readonly nr: number; readonly name: string; readonly check: ArgCheck }
  /** A verdict an option imposes whatever the arguments (clone3 under restrict-namespaces, …). */
  | { readonly kind: 'forced'; readonly nr: number; readonly name: string; readonly action: Action; readonly why: string };

export interface AbiPlan {
  readonly arch: Arch;
  readonly auditArch: number;
  /** The outcome of every number in kiln's table that `special` does not name. */
  readonly fallback: Outcome;
  /** Numbers with an outcome of their own (listed syscalls, argument checks, `$N` entries), ascending. */
  readonly special: ReadonlyMap<number, Outcome>;
  /** For numbers below the x32 range that kiln's table lacks: syscalls newer than kiln, or none at all. */
  readonly unknown: Action;
  /** x86_64 only: for numbers with the x32 bit (all of 0x40000000–0xffffffff). */
  readonly x32?: Action;
  /** The resolved seccomp list, in list order, for the rule listing. */
  readonly list?: { readonly kind: 'blocklist' | 'allowlist'; readonly entries: ReadonlyMap<number, Action> };
  /** Verdicts options impose whatever the arguments, for the rule listing. */
  readonly forced: ReadonlyMap<number, { readonly action: Action; readonly why: string }>;
}

export interface FilterPlan {
  readonly arch: Arch;
  /** ABIs with their own subtree, native first. */
  readonly abis: readonly AbiPlan[];
  /** For any other AUDIT_ARCH value. */
  readonly badArch: Action;
  /** Things the caller should know (skipped names, execve blocked, …). */
  readonly notes: readonly string[];
}

/** Equal keys ⇔ the same behaviour; used to merge neighbouring numbers into one interval. */
export function outcomeKey(o: Outcome): string {
  if (o.kind === 'action') return String(encodeAction(o.action));
  const checks = o.checks.map((c) => `${JSON.stringify(c.test)}>${encodeAction(c.action)}`);
  return `${checks.join(';')}|${encodeAction(o.fallback)}`;
}

export function formatArgTest(t: ArgTest): string {
  const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
  const set = (v: readonly number[]) => `{${v.map(hex).join(', ')}}`;
  switch (t.kind) {
    case 'in':
      return `arg${t.arg} in ${set(t.values)}`;
    case 'not-in':
      return `arg${t.arg} not in ${set(t.values)}`;
    case 'masked-in':
      return `arg${t.arg} & ${hex(t.mask)} in ${set(t.values)}`;
    case 'bits-any':
      return `arg${t.arg} & ${hex(t.mask)} != 0${t.orZero ? ` or arg${t.arg} == 0` : ''}`;
    case 'bits-all':
      return `arg${t.arg} & ${hex(t.mask)} == ${hex(t.mask)}`;
  }
}

export function formatOutcome(o: Outcome): string {
  if (o.kind === 'action') return formatAction(o.action);
  const checks = o.checks.map((c) => `if ${formatArgTest(c.test)}: ${formatAction(c.action)}`);
  return `${checks.join('; ')}; else ${formatAction(o.fallback)}`;
}
