/** Applies a plan's pre-exec steps to kiln's own process; bwrap and the sandbox inherit the result. */
import { assertNever, SyscallError } from '../errors.ts';
import type { PreExecStep } from '../plan/types.ts';
import { errno, libc, ptr } from '../sys/libc.ts';

const PR_CAPBSET_DROP = 24;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

/**
 * Copies permitted into inheritable, then drops every capability not in `keep` from the bounding set.
 * NOTE: the inheritable copy is what lets bwrap, exec'd next, still start with all of root's capabilities
 * for its own setup; bwrap then sets the sandbox's inheritable set to exactly what it keeps.
 */
function narrowBoundingSet(keep: readonly number[], lastCap: number): void {
  const l = libc();
  const header = new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
  const data = new Uint32Array(6); // two __user_cap_data_struct { effective, permitted, inheritable }
  if (l.capget(ptr(header), ptr(data)) !== 0) throw new SyscallError('capget', errno());
  data[2] = data[1] ?? 0;
  data[5] = data[4] ?? 0;
  if (l.capset(ptr(header), ptr(data)) !== 0) throw new SyscallError('capset', errno(), 'inheritable := permitted');
  const kept = new Set(keep);
  for (let cap = 0; cap <= lastCap; cap++) {
    if (!kept.has(cap) && l.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) !== 0) {
      throw new SyscallError('prctl(PR_CAPBSET_DROP)', errno(), `capability ${cap}`);
    }
  }
}

export function applyPreExec(steps: readonly PreExecStep[]): void {
  for (const step of steps) {
    switch (step.kind) {
      case 'cap-bounding':
        narrowBoundingSet(step.keep, step.lastCap);
        break;
      default:
        assertNever(step.kind);
    }
  }
}
