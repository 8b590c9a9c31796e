/**
 * The input of the seccomp compiler: a typed description of one sandbox's filter, independent of how a
 * profile or the command line spelled it. Convention: an absent optional field means "not asked for";
 * an empty list means "asked for, with nothing in it" (an empty `protocols` allows no socket family).
 */
import type { Arch } from './arch.ts';
import type { GroupName } from './groups.ts';

/** What a blocked syscall gets: an errno, death of the whole process (SIGSYS), or a log line and success. */
export type ErrorAction =
  | { readonly kind: 'errno'; readonly errno: number }
  | { readonly kind: 'kill' }
  | { readonly kind: 'log' };

/** A syscall list entry's target: `name`, `@group` or `$number` (a number on the filter's own arch). */
export type SyscallRef =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'group'; readonly group: GroupName }
  | { readonly kind: 'number'; readonly nr: number };

/** One entry of a seccomp list, in the order written. */
export interface SyscallEntry {
  readonly ref: SyscallRef;
  /** `!name`: take the syscalls out of the list built so far (an exception). */
  readonly exclude: boolean;
  /** `name:ERRNO`, `name:kill`, `name:log`: this entry's action; absent means the filter's error action. */
  readonly action?: ErrorAction;
}

export type SyscallList =
  /**
   * `seccomp [LIST]` (defaultList true: Firejail's default list, then LIST) or `seccomp.drop LIST`
   * (defaultList false): the listed syscalls are blocked, everything else is allowed.
   */
  | { readonly kind: 'blocklist'; readonly defaultList: boolean; readonly entries: readonly SyscallEntry[] }
  /**
   * `seccomp.keep LIST`: only the listed syscalls are allowed, and FilterSpec.launcherSyscalls.
   */
  | { readonly kind: 'allowlist'; readonly entries: readonly SyscallEntry[] };

/** `protocol` families, as Firejail names them. */
export type Protocol = 'unix' | 'inet' | 'inet6' | 'netlink' | 'packet' | 'bluetooth';
export const PROTOCOLS: readonly Protocol[] = ['unix', 'inet', 'inet6', 'netlink', 'packet', 'bluetooth'];

/** `restrict-namespaces` kinds, as Firejail names them. */
export type Namespace = 'cgroup' | 'ipc' | 'net' | 'mnt' | 'pid' | 'time' | 'user' | 'uts';
export const NAMESPACES: readonly Namespace[] = ['cgroup', 'ipc', 'net', 'mnt', 'pid', 'time', 'user', 'uts'];

export interface FilterSpec {
  /** The kernel's architecture (the native ABI). x86_64 filters also cover i386 and x32 calls. */
  readonly arch: Arch;
  /** `seccomp`, `seccomp.drop`, `seccomp.keep`; absent: no syscall list (kiln's hardening still applies). */
  readonly syscalls?: SyscallList;
  /**
   * `seccomp.32*`: the list for i386 calls on an x86_64 kernel. Absent: the native list, applied to i386 by
   * syscall name (a stricter default than Firejail's, which leaves i386 unfiltered unless asked).
   */
  readonly syscalls32?: SyscallList;
  /** `seccomp.block-secondary`: kill callers of any ABI but the native one; personality(2) may only query. */
  readonly blockSecondary: boolean;
  /** `seccomp-error-action`; Firejail's default is EPERM. */
  readonly errorAction: ErrorAction;
  /** `memory-deny-write-execute`. */
  readonly memoryDenyWriteExecute: boolean;
  /** `allow-debuggers`: the default list is @default instead of @default-nodebuggers. */
  readonly allowDebuggers: boolean;
  /** `protocol LIST`: socket(2) families allowed; absent: any family. */
  readonly protocols?: readonly Protocol[];
  /** `restrict-namespaces [LIST]`: namespaces that may not be created or joined; absent: no restriction. */
  readonly restrictNamespaces?: readonly Namespace[];
  /**
   * Syscalls the launcher itself makes once the filter is loaded, which an allowlist always allows.
   * Absent: BWRAP_SYSCALLS.exec. NOTE: bwrap loads the filter and then execs the program; with
   * --unshare-pid (and without --as-pid-1) it also loads it into its own pid 1, which then waits for the
   * program and exits: add BWRAP_SYSCALLS.pid1 there.
   */
  readonly launcherSyscalls?: readonly string[];
}

/** What bwrap 0.8 does under the filter: exec the program; as pid 1 (--unshare-pid), reap and exit. */
export const BWRAP_SYSCALLS = {
  exec: ['execve'],
  pid1: ['wait4', 'write', 'exit_group'],
} as const;

/** A spec with no list and no option: the filter carries only kiln's always-on hardening. */
export function baseSpec(arch: Arch): FilterSpec {
  return {
    arch,
    blockSecondary: false,
    errorAction: { kind: 'errno', errno: 1 },
    memoryDenyWriteExecute: false,
    allowDebuggers: false,
  };
}
