/**
 * Which signals the supervisor's chain must keep from bwrap's processes, and which the program gets back.
 *
 * tini sits at kiln's pid and forwards what it receives to its child's process group (`-g`): bwrap's
 * monitor, bwrap's pid 1 and the program. The kernel already spares the pid namespace's init a signal it
 * has no handler for; the monitor it does not, and a monitor that dies takes the sandbox down with
 * SIGKILL. So the monitor must ignore every forwarded signal whose default action would end it, and the
 * program must get that signal's default back: coreutils' env resets it in the sandbox, or kiln's init
 * stage does, just before the program's exec.
 */
import { readText } from '../sys/fs.ts';

/** Signals whose default action ends a process, that tini forwards: all but those it never forwards. */
export const FORWARDED: readonly number[] = [
  1 /* HUP */, 2 /* INT */, 3 /* QUIT */, 10 /* USR1 */, 12 /* USR2 */, 13 /* PIPE */, 14 /* ALRM */, 15 /* TERM */,
  16 /* STKFLT */, 24 /* XCPU */, 25 /* XFSZ */, 26 /* VTALRM */, 27 /* PROF */, 29 /* IO */,
  // NOTE: not SIGPWR: Bun's garbage collector suspends threads with it, and a Bun started with it ignored
  // (kiln's init stage) complains on stderr. SIGPWR sent to kiln's pid ends the sandbox instead.
  // NOTE: glibc reserves 32 and 33 for itself, and tini's set leaves them out; the real-time ones it forwards.
  ...Array.from({ length: 31 }, (_, i) => 34 + i),
];

/**
 * What coreutils' timeout handles itself (besides SIGALRM). Under --timeout they are blocked rather than
 * ignored from tini's child on: timeout then never sees them, and cannot pass them on a second time or
 * start its kill-after clock for a signal the program may simply handle.
 */
export const TIMEOUT_HANDLED: readonly number[] = [1, 2, 3, 15];

/** Stop signals timeout sets to ignored for its child; the program gets their default back. */
export const TTY_STOPS: readonly number[] = [21 /* TTIN */, 22 /* TTOU */];

/** SIGPIPE and SIGXFSZ: Bun ignores them in its own process, so that they say nothing of the caller. */
const BUN_IGNORES = new Set([13, 25]);

/**
 * The signals the caller had set to ignored when it started kiln (nohup's SIGHUP, say). They stay
 * ignored for the program, as they would without kiln.
 */
export function callerIgnored(): Set<number> {
  const m = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readText('/proc/self/status') ?? '');
  const mask = BigInt(`0x${m?.[1] ?? '0'}`);
  const out = new Set<number>();
  for (let sig = 1; sig <= 64; sig++) if (((mask >> BigInt(sig - 1)) & 1n) === 1n && !BUN_IGNORES.has(sig)) out.add(sig);
  return out;
}

export interface SignalSetup {
  /** Set to ignored before tini starts (env --ignore-signal). */
  readonly ignore: readonly number[];
  /** Blocked before tini starts (env --block-signal); only under --timeout. */
  readonly block: readonly number[];
  /** Given their default action back for the program. */
  readonly reset: readonly number[];
  /**
   * Set to ignored again for the program: the caller ignored them, but timeout's handlers, reset by its
   * exec of bwrap, have made them default on the way.
   */
  readonly reignore: readonly number[];
}

export function planSignals(withTimeout: boolean, ignoredByCaller: ReadonlySet<number>): SignalSetup {
  const block = withTimeout ? TIMEOUT_HANDLED : [];
  const ignore = FORWARDED.filter((s) => !ignoredByCaller.has(s) && !block.includes(s));
  const reset = [...ignore, ...(withTimeout ? TTY_STOPS.filter((s) => !ignoredByCaller.has(s)) : [])];
  return { ignore, block, reset, reignore: block.filter((s) => ignoredByCaller.has(s)) };
}
