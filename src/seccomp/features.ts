/**
 * The argument-checked parts of a filter, per ABI: kiln's always-on terminal hardening, `protocol`,
 * `restrict-namespaces`, `memory-deny-write-execute` and `seccomp.block-secondary`'s personality rule.
 * Each produces checks on a few syscalls only, so hot syscalls stay argument-free (the kernel caches
 * argument-independent allow verdicts since 5.11).
 */
import type { Arch } from './arch.ts';
import { errnoAction, type Action } from './bpf.ts';
import { EAFNOSUPPORT, ENOSYS, EPERM } from './errno.ts';
import type { ArgCheck, ArgTest } from './ir.ts';
import { toAction } from './lists.ts';
import type { FilterSpec, Namespace, Protocol } from './spec.ts';
import { syscallNumber } from './syscalls.ts';

// Values from the uapi headers (identical on x86 and arm64).
export const TIOCSTI = 0x5412;
export const TIOCLINUX = 0x541c;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const SHM_EXEC = 0x8000;
export const SHMAT_CALL = 21; // ipc(2) call number of shmat on i386
export const SYS_SOCKET = 1; // socketcall(2) call number of socket on i386
export const CLONE_NEWTIME = 0x00000080;

export const FAMILIES: Readonly<Record<Protocol, number>> = {
  unix: 1, inet: 2, inet6: 10, netlink: 16, packet: 17, bluetooth: 31,
};

export const NAMESPACE_FLAGS: Readonly<Record<Namespace, number>> = {
  cgroup: 0x02000000, ipc: 0x08000000, net: 0x40000000, mnt: 0x00020000,
  pid: 0x20000000, time: CLONE_NEWTIME, user: 0x10000000, uts: 0x04000000,
};

/** Per-syscall additions to the list verdicts of one ABI. */
export interface Features {
  /** Checks, in order, for syscalls the list allows (or logs). */
  readonly checks: Map<number, ArgCheck[]>;
  /** Verdicts that replace an allow (or log) outright, whatever the arguments. */
  readonly forced: Map<number, { readonly action: Action; readonly why: string }>;
}

/** What `protocol`, `restrict-namespaces`, MDWE and block-secondary return: the error action, LOG stays LOG. */
function denyAction(spec: FilterSpec): Action {
  return toAction(spec.errorAction);
}

/**
 * kiln's own hardening (TIOCSTI, TIOCLINUX, x32) is never downgraded to a log entry: under
 * `seccomp-error-action log` it returns EPERM.
 */
export function hardeningAction(spec: FilterSpec): Action {
  return spec.errorAction.kind === 'log' ? errnoAction(EPERM) : toAction(spec.errorAction);
}

export function planFeatures(spec: FilterSpec, arch: Arch): Features {
  const checks = new Map<number, ArgCheck[]>();
  const forced = new Map<number, { action: Action; why: string }>();
  const nr = (name: string) => syscallNumber(arch, name);
  const check = (name: string, test: ArgTest, action: Action, why: string) => {
    const n = nr(name);
    if (n === undefined) return;
    const list = checks.get(n) ?? [];
    list.push({ test, action, why });
    checks.set(n, list);
  };
  const force = (name: string, action: Action, why: string) => {
    const n = nr(name);
    if (n !== undefined && !forced.has(n)) forced.set(n, { action, why });
  };
  const deny = denyAction(spec);
  const logOr = (a: Action): Action => (spec.errorAction.kind === 'log' ? { kind: 'log' } : a);

  // NOTE: TIOCSTI pushes bytes into the terminal's input queue, so a sandboxed program sharing the user's
  // terminal can type commands into the shell outside; TIOCLINUX can paste the console selection. The
  // request is an unsigned int: only the low 32 bits count (ioctl(fd, 0x100005412) is TIOCSTI).
  check('ioctl', { kind: 'in', arg: 1, values: [TIOCSTI, TIOCLINUX] }, hardeningAction(spec), 'kiln: terminal injection');

  if (spec.protocols !== undefined) {
    const families = [...new Set(spec.protocols.map((p) => FAMILIES[p]))].sort((a, b) => a - b);
    const refuse = logOr(errnoAction(EAFNOSUPPORT));
    check('socket', { kind: 'not-in', arg: 0, values: families }, refuse, 'protocol');
    // NOTE: i386's socketcall(SYS_SOCKET, args) keeps the family in memory, out of the filter's reach.
    // glibc calls socket(2) directly on kernels ≥ 4.3, so refusing socketcall's socket costs little.
    if (arch === 'i386') check('socketcall', { kind: 'in', arg: 0, values: [SYS_SOCKET] }, refuse, 'protocol');
  }

  if (spec.restrictNamespaces !== undefined) {
    const mask = spec.restrictNamespaces.reduce((m, ns) => m | NAMESPACE_FLAGS[ns], 0) >>> 0;
    // NOTE: in clone(2) the low byte of the flags is the exit signal (CSIGNAL), so CLONE_NEWTIME (0x80)
    // cannot be asked for there; testing that bit would refuse clones with unusual exit signals.
    const cloneMask = (mask & ~CLONE_NEWTIME) >>> 0;
    if (cloneMask !== 0) check('clone', { kind: 'bits-any', arg: 0, mask: cloneMask, orZero: false }, deny, 'restrict-namespaces');
    if (mask !== 0) {
      check('unshare', { kind: 'bits-any', arg: 0, mask, orZero: false }, deny, 'restrict-namespaces');
      // setns(fd, 0) joins whatever namespace the fd refers to, so 0 is refused as well.
      check('setns', { kind: 'bits-any', arg: 1, mask, orZero: true }, deny, 'restrict-namespaces');
      // NOTE: clone3 passes its flags in memory, which a filter cannot read. ENOSYS makes glibc and
      // others fall back to clone(2), whose flags the filter can check (as Firejail does).
      force('clone3', logOr(errnoAction(ENOSYS)), 'restrict-namespaces');
    }
  }

  if (spec.memoryDenyWriteExecute) {
    const wx = (PROT_WRITE | PROT_EXEC) >>> 0;
    // NOTE: i386's `mmap` is old_mmap, whose arguments are in memory; mmap2 is the real one there.
    if (arch === 'i386') {
      force('mmap', deny, 'memory-deny-write-execute');
      check('mmap2', { kind: 'bits-all', arg: 2, mask: wx }, deny, 'memory-deny-write-execute');
      // ipc(SHMAT, id, shmflg, …): the call number is the low 16 bits of arg0. Refused whatever the flags.
      check('ipc', { kind: 'masked-in', arg: 0, mask: 0xffff, values: [SHMAT_CALL] }, deny, 'memory-deny-write-execute');
    } else {
      check('mmap', { kind: 'bits-all', arg: 2, mask: wx }, deny, 'memory-deny-write-execute');
    }
    check('mprotect', { kind: 'bits-any', arg: 2, mask: PROT_EXEC, orZero: false }, deny, 'memory-deny-write-execute');
    check('pkey_mprotect', { kind: 'bits-any', arg: 2, mask: PROT_EXEC, orZero: false }, deny, 'memory-deny-write-execute');
    check('shmat', { kind: 'bits-any', arg: 2, mask: SHM_EXEC, orZero: false }, deny, 'memory-deny-write-execute');
    // Code written to a memfd can be mapped executable without ever being writable and executable at once.
    force('memfd_create', deny, 'memory-deny-write-execute');
  }

  if (spec.blockSecondary) {
    // personality(0xffffffff) only queries; PER_LINUX (0) is the default. Anything else changes the
    // execution domain (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, PER_LINUX32, …).
    check('personality', { kind: 'not-in', arg: 0, values: [0, 0xffffffff] }, deny, 'seccomp.block-secondary');
  }
  return { checks, forced };
}
