/**
 * An ABI's verdicts as sorted, merged intervals covering every 32-bit syscall number: the shape a binary
 * search over syscall numbers walks.
 */
import { X32_SYSCALL_BIT } from './arch.ts';
import { ALLOW, type Action } from './bpf.ts';
import { outcomeKey, type AbiPlan, type Outcome } from './ir.ts';
import { syscallRuns } from './syscalls.ts';

export interface Interval {
  readonly lo: number;
  readonly hi: number;
  readonly outcome: Outcome;
  readonly key: string;
}

const U32_MAX = 0xffffffff;

function action(a: Action): Outcome {
  return { kind: 'action', action: a };
}

/** Joins neighbours with the same behaviour. */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const iv of list) {
    const last = out[out.length - 1];
    if (last !== undefined && last.key === iv.key && last.hi + 1 === iv.lo) out[out.length - 1] = { ...last, hi: iv.hi };
    else out.push(iv);
  }
  return out;
}

export function buildIntervals(plan: AbiPlan): Interval[] {
  const limit = plan.x32 === undefined ? U32_MAX : X32_SYSCALL_BIT - 1;
  const unknown = action(plan.unknown);
  const unknownKey = outcomeKey(unknown);
  const fallbackKey = outcomeKey(plan.fallback);
  // The base: table runs get the fallback, the gaps between them the unknown verdict.
  const base: Interval[] = [];
  let next = 0;
  for (const [a, b] of syscallRuns(plan.arch)) {
    if (a > limit) break;
    if (a > next) base.push({ lo: next, hi: a - 1, outcome: unknown, key: unknownKey });
    base.push({ lo: a, hi: Math.min(b, limit), outcome: plan.fallback, key: fallbackKey });
    next = b + 1;
  }
  if (next <= limit) base.push({ lo: next, hi: limit, outcome: unknown, key: unknownKey });
  // Overlay the special numbers (ascending), splitting base intervals around them.
  const out: Interval[] = [];
  let i = 0;
  let cur = base[0];
  for (const [nr, outcome] of plan.special) {
    while (cur !== undefined && cur.hi < nr) {
      out.push(cur);
      cur = base[++i];
    }
    if (cur === undefined || nr < cur.lo) continue; // beyond the limit (x32 range)
    if (cur.lo < nr) out.push({ ...cur, hi: nr - 1 });
    out.push({ lo: nr, hi: nr, outcome, key: outcomeKey(outcome) });
    cur = nr < cur.hi ? { ...cur, lo: nr + 1 } : base[++i];
  }
  while (cur !== undefined) {
    out.push(cur);
    cur = base[++i];
  }
  if (plan.x32 !== undefined) {
    const x32 = action(plan.x32);
    out.push({ lo: X32_SYSCALL_BIT, hi: U32_MAX, outcome: x32, key: outcomeKey(x32) });
  }
  return mergeIntervals(out);
}

/** intervals[from..to] alone, with ALLOW before and after: one chunk of a filter split across programs. */
export function clipIntervals(list: readonly Interval[], from: number, to: number): Interval[] {
  const first = list[from];
  const last = list[to];
  if (first === undefined || last === undefined) throw new RangeError(`bad chunk ${from}..${to}`);
  const allow = action(ALLOW);
  const key = outcomeKey(allow);
  const out: Interval[] = [];
  if (first.lo > 0) out.push({ lo: 0, hi: first.lo - 1, outcome: allow, key });
  out.push(...list.slice(from, to + 1));
  if (last.hi < U32_MAX) out.push({ lo: last.hi + 1, hi: U32_MAX, outcome: allow, key });
  return mergeIntervals(out);
}
