/** Applies a plan's pre-exec steps to kiln's own process; bwrap and the sandbox inherit the result. */
import { assertNever, SyscallError, UsageError } from '../errors.ts';
import type { PreExecStep } from '../plan/types.ts';
import { cString, errno, libc, ptr, SYS_landlock_create_ruleset, SYS_landlock_restrict_self } from '../sys/libc.ts';

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

const EPERM = 1;
const ENOENT = 2;
const O_RDONLY_CLOEXEC = 0o2000000;
const CLONE_NEWNET = 0x40000000;

/**
 * --netns: this thread (the one that execs) enters the named namespace.
 * NOTE: setns(CLONE_NEWNET) changes only the calling thread, which is the one execve replaces the process
 * with; Bun's other threads do not matter, since they die with the exec.
 */
function enterNetns(path: string): void {
  const l = libc();
  const fd = l.open(ptr(cString(path)), O_RDONLY_CLOEXEC, 0);
  if (fd < 0) {
    const e = errno();
    if (e === ENOENT) throw new UsageError(`--netns: there is no network namespace ${path.slice(path.lastIndexOf('/') + 1)} (${path}); make it with: ip netns add NAME`);
    throw new SyscallError('open', e, path);
  }
  const rc = l.setns(fd, CLONE_NEWNET);
  const e = errno();
  l.close(fd);
  if (rc !== 0) throw new SyscallError('setns(CLONE_NEWNET)', e, path);
}
const EACCES = 13;

/** Sets soft and hard limit to `value`. Raising a hard limit needs root: that is a usage error. */
function setLimit(name: string, resource: number, value: bigint): void {
  const l = libc();
  const cur = new BigUint64Array(2);
  if (l.getrlimit(resource, ptr(cur)) !== 0) throw new SyscallError('getrlimit', errno(), name);
  const hard = cur[1] ?? 0n;
  if (l.setrlimit(resource, ptr(new BigUint64Array([value, value]))) !== 0) {
    const e = errno();
    if (e === EPERM) {
      throw new UsageError(`--${name}=${value}: the hard limit is ${hard}; raising it needs root (CAP_SYS_RESOURCE)`);
    }
    throw new SyscallError('setrlimit', e, name);
  }
}

/**
 * The limits the init stage will set, checked here where the error can still name the option: only root
 * with CAP_SYS_RESOURCE may raise a hard limit.
 */
export function checkLimits(limits: readonly { readonly name: string; readonly resource: number; readonly value: bigint }[]): void {
  if (limits.length === 0) return;
  const header = new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
  const caps = new Uint32Array(6);
  const CAP_SYS_RESOURCE = 24;
  if (libc().capget(ptr(header), ptr(caps)) === 0 && ((caps[0] ?? 0) >> CAP_SYS_RESOURCE) & 1) return;
  const cur = new BigUint64Array(2);
  for (const l of limits) {
    if (libc().getrlimit(l.resource, ptr(cur)) !== 0) throw new SyscallError('getrlimit', errno(), l.name);
    const hard = cur[1] ?? 0n;
    if (l.value > hard) throw new UsageError(`--${l.name}=${l.value}: the hard limit is ${hard}; raising it needs root (CAP_SYS_RESOURCE)`);
  }
}

function setNice(value: number): void {
  // PRIO_PROCESS, who = 0: this process; inherited through exec and fork.
  if (libc().setpriority(0, 0, value) !== 0) {
    const e = errno();
    if (e === EACCES || e === EPERM) throw new UsageError(`--nice=${value}: only root can lower the nice value below its current one`);
    throw new SyscallError('setpriority', e, String(value));
  }
}

function setAffinity(cpus: readonly number[]): void {
  const max = Math.max(...cpus, 0);
  const mask = new Uint8Array(Math.max(128, Math.ceil((max + 1) / 64) * 8));
  for (const c of cpus) mask[c >> 3] = (mask[c >> 3] ?? 0) | (1 << (c & 7));
  if (libc().sched_setaffinity(0, mask.length, ptr(mask)) !== 0) {
    throw new UsageError(`--cpu=${cpus.join(',')}: ${new SyscallError('sched_setaffinity', errno()).message}`);
  }
}

/** Raising the score is always allowed; lowering it below where it started needs CAP_SYS_RESOURCE. */
function setOomScoreAdj(value: number): void {
  const l = libc();
  const fd = l.open(ptr(cString('/proc/self/oom_score_adj')), 1 /* O_WRONLY */, 0);
  if (fd < 0) throw new SyscallError('open', errno(), '/proc/self/oom_score_adj');
  const text = new TextEncoder().encode(`${value}\n`);
  const n = Number(l.write(fd, ptr(text), text.length));
  const e = errno();
  l.close(fd);
  if (n === text.length) return;
  if (e === EACCES || e === EPERM) throw new UsageError(`--oom=${value}: lowering the OOM score adjustment needs CAP_SYS_RESOURCE, which kiln does not have here`);
  throw new SyscallError('write', e, `/proc/self/oom_score_adj (--oom=${value})`);
}

const PR_SET_NO_NEW_PRIVS = 38;
const LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET = 1n;

/**
 * A Landlock domain that handles no file or network access but scopes abstract unix sockets: connecting
 * to one created outside the domain fails (EPERM). NOTE: Landlock requires no_new_privs, which bwrap sets
 * for the sandbox anyway; setting it here first makes no difference to bwrap, which is not setuid.
 */
function scopeAbstractSockets(): void {
  const l = libc();
  if (l.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) throw new SyscallError('prctl(PR_SET_NO_NEW_PRIVS)', errno());
  // struct landlock_ruleset_attr { u64 handled_access_fs, handled_access_net, scoped; }
  const attr = new BigUint64Array([0n, 0n, LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET]);
  const fd = Number(l.syscall(SYS_landlock_create_ruleset, BigInt(ptr(attr)), 24n, 0n));
  if (fd < 0) throw new SyscallError('landlock_create_ruleset', errno());
  const rc = Number(l.syscall(SYS_landlock_restrict_self, BigInt(fd), 0n, 0n));
  const e = errno();
  l.close(fd);
  if (rc !== 0) throw new SyscallError('landlock_restrict_self', e);
}

export function applyPreExec(steps: readonly PreExecStep[]): void {
  for (const step of steps) {
    switch (step.kind) {
      case 'cap-bounding':
        narrowBoundingSet(step.keep, step.lastCap);
        break;
      case 'rlimit':
        setLimit(step.name, step.resource, step.value);
        break;
      case 'nice':
        setNice(step.value);
        break;
      case 'cpu-affinity':
        setAffinity(step.cpus);
        break;
      case 'oom-score-adj':
        setOomScoreAdj(step.value);
        break;
      case 'landlock-scope-abstract':
        scopeAbstractSockets();
        break;
      case 'drop-groups':
        if (libc().setgroups(0, null) !== 0) throw new SyscallError('setgroups', errno(), '(nogroups)');
        break;
      case 'setns-net':
        enterNetns(step.path);
        break;
      default:
        assertNever(step);
    }
  }
}
