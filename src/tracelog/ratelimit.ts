/**
 * A token bucket for the sandbox's log lines: `burst` lines at once, then `perSecond`. What it holds back
 * is counted, and the count goes out in one line before the next line it lets through, or at the end.
 */
export interface RateLimit {
  /** Whether a line may go out at `nowMs`; if so, how many were held back since the last one. */
  admit(nowMs: number): { readonly log: boolean; readonly suppressed: number };
  /** The count still held back (for the last line, when the sandbox ends); resets it. */
  drain(): number;
}

export function tokenBucket(burst: number, perSecond: number, startMs: number): RateLimit {
  let tokens = burst;
  let last = startMs;
  let held = 0;
  return {
    admit(nowMs) {
      tokens = Math.min(burst, tokens + ((nowMs - last) / 1000) * perSecond);
      last = nowMs;
      if (tokens < 1) {
        held++;
        return { log: false, suppressed: 0 };
      }
      tokens -= 1;
      const suppressed = held;
      held = 0;
      return { log: true, suppressed };
    },
    drain() {
      const n = held;
      held = 0;
      return n;
    },
  };
}

/** kiln's limits: 20 lines at once, then one a second; a loop cannot flood the log. */
export const TRACELOG_BURST = 20;
export const TRACELOG_PER_SECOND = 1;
