/**
 * What a join re-applies of its sandbox in the init stage besides capabilities and filters: the resource
 * limits, nice value and CPU affinity the launch set (recorded in the registry entry, registry/entry.ts).
 *
 * A launch sets them on kiln before it execs bwrap, with the launcher's privileges. A join sets them on a
 * process that is the joiner, or, when root acts for a user, that user: as far as it may. The kernel
 * refuses only a raise (a hard limit above the joiner's, a nice value below the joiner's), and then the
 * joiner's own setting, the stricter one, stays. So a forged entry in a user's registry gains root's join
 * of that sandbox nothing.
 */
import { assertNever, SyscallError } from '../errors.ts';
import { errno, libc, ptr } from '../sys/libc.ts';
import type { JoinLimit } from './init-config.ts';
import { applyPreExec } from './pre-exec.ts';

const EPERM = 1;
const EACCES = 13;

/**
 * NOTE: called last before the filters and the exec, with everything they need already allocated: the
 * rlimit-as a sandbox sets may be less than the address space Bun holds, and then any further allocation
 * fails. So the rlimits come after the nice value and CPU affinity, their buffers made beforehand.
 */
export function applyJoinLimits(limits: readonly JoinLimit[]): void {
  const l = libc();
  const rlimits: { limit: Extract<JoinLimit, { kind: 'rlimit' }>; buf: BigUint64Array }[] = [];
  for (const limit of limits) {
    switch (limit.kind) {
      case 'rlimit':
        rlimits.push({ limit, buf: new BigUint64Array([BigInt(limit.value), BigInt(limit.value)]) });
        break;
      case 'nice':
        // PRIO_PROCESS, who = 0: this process, and the program it execs.
        if (l.setpriority(0, 0, limit.value) !== 0 && errno() !== EACCES && errno() !== EPERM) {
          throw new SyscallError('setpriority', errno(), String(limit.value));
        }
        break;
      case 'cpu-affinity':
        applyPreExec([limit]); // any CPU set is the joiner's to choose; failing that, the join fails
        break;
      default:
        assertNever(limit);
    }
  }
  for (const { limit, buf } of rlimits) {
    if (l.setrlimit(limit.resource, ptr(buf)) !== 0 && errno() !== EPERM) throw new SyscallError('setrlimit', errno(), `${limit.name}=${limit.value}`);
  }
}
