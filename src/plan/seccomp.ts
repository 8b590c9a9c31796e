/**
 * Policy → seccomp FilterSpec → BPF programs. Every sandbox gets a filter: with no seccomp command it is
 * kiln's always-on hardening alone (TIOCSTI and TIOCLINUX refused, foreign ABIs and x32 denied).
 */
import { UsageError } from '../errors.ts';
import type { SeccompPolicy, SyscallSpec } from '../policy/policy.ts';
import {
  archFromNode,
  baseSpec,
  BWRAP_SYSCALLS,
  compileFilter,
  NAMESPACES,
  parseErrorAction,
  parseSyscallEntry,
  type CompiledFilter,
  type FilterSpec,
  type SyscallList,
} from '../seccomp/index.ts';

function entries(list: readonly SyscallSpec[]) {
  return list.map((s) => parseSyscallEntry(`${s.exclude ? '!' : ''}${s.name}${s.action !== undefined ? `:${s.action}` : ''}`));
}

function syscallList(keep: readonly SyscallSpec[] | undefined, drop: readonly SyscallSpec[] | undefined, defaultList: boolean, extra: readonly SyscallSpec[]): SyscallList | undefined {
  if (keep !== undefined) return { kind: 'allowlist', entries: entries(keep) };
  if (drop !== undefined) return { kind: 'blocklist', defaultList: false, entries: entries([...drop, ...extra]) };
  if (defaultList || extra.length > 0) return { kind: 'blocklist', defaultList, entries: entries(extra) };
  return undefined;
}

/**
 * `launcher`: the syscalls whoever loads the filter still makes before the program runs. bwrap execs the
 * program and, as pid 1 of the sandbox, reaps it and exits; kiln's init stage only execs.
 */
export function seccompSpec(policy: SeccompPolicy | undefined, arch: FilterSpec['arch'], loadedBy: 'bwrap' | 'init'): FilterSpec {
  const base = baseSpec(arch);
  if (policy === undefined) return base;
  const syscalls = syscallList(policy.keep, policy.drop, policy.defaultList, policy.extraDrop);
  const syscalls32 = syscallList(policy.keep32, policy.drop32, policy.defaultList32, policy.extraDrop32);
  const allowlist = syscalls?.kind === 'allowlist' || syscalls32?.kind === 'allowlist';
  const launcher = loadedBy === 'bwrap' ? [...BWRAP_SYSCALLS.exec, ...BWRAP_SYSCALLS.pid1] : [...BWRAP_SYSCALLS.exec];
  return {
    ...base,
    ...(syscalls !== undefined ? { syscalls } : {}),
    ...(syscalls32 !== undefined ? { syscalls32 } : {}),
    blockSecondary: policy.blockSecondary,
    errorAction: policy.errorAction.kind === 'errno' ? parseErrorAction(policy.errorAction.errno) : policy.errorAction,
    memoryDenyWriteExecute: policy.memoryDenyWriteExecute,
    allowDebuggers: policy.allowDebuggers,
    ...(policy.protocols !== undefined ? { protocols: policy.protocols } : {}),
    ...(policy.restrictNamespaces !== undefined
      ? { restrictNamespaces: policy.restrictNamespaces.length === 0 ? NAMESPACES : policy.restrictNamespaces }
      : {}),
    // Only an allowlist needs the launcher's own syscalls; leaving them out otherwise keeps the spec equal
    // to the precompiled common ones.
    ...(allowlist ? { launcherSyscalls: launcher } : {}),
  };
}

export function compileSeccomp(policy: SeccompPolicy | undefined, nodeArch: string, loadedBy: 'bwrap' | 'init'): CompiledFilter {
  const arch = archFromNode(nodeArch);
  if (arch === undefined) throw new UsageError(`seccomp: kiln has no syscall table for this architecture (${nodeArch})`);
  return compileFilter(seccompSpec(policy, arch, loadedBy));
}
