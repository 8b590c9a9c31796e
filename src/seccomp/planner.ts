/**
 * FilterSpec → FilterPlan: the verdict of every syscall number of every ABI the filter covers, kept
 * sparse (one fallback, plus the few numbers that differ) so that planning costs microseconds.
 */
import { archInfo, X32_SYSCALL_BIT, type Arch } from './arch.ts';
import { ALLOW, KILL, errnoAction, type Action } from './bpf.ts';
import { ENOSYS } from './errno.ts';
import { hardeningAction, planFeatures } from './features.ts';
import type { AbiPlan, FilterPlan, Outcome, RuleLine } from './ir.ts';
import { resolveList, toAction } from './lists.ts';
import { BWRAP_SYSCALLS, type FilterSpec, type SyscallList } from './spec.ts';
import { syscallName, syscallNumber } from './syscalls.ts';

export function planFilter(spec: FilterSpec): FilterPlan {
  const info = archInfo(spec.arch);
  const notes: string[] = [];
  const abis: AbiPlan[] = [planAbi(spec, spec.arch, spec.syscalls, true, notes)];
  if (info.compat !== undefined && !spec.blockSecondary) {
    const list = spec.syscalls32 ?? spec.syscalls;
    abis.push(planAbi(spec, info.compat, list, spec.syscalls32 !== undefined, notes));
  }
  return { arch: spec.arch, abis, badArch: KILL, notes: [...new Set(notes)] };
}

function planAbi(spec: FilterSpec, arch: Arch, list: SyscallList | undefined, ownNumbers: boolean, notes: string[]): AbiPlan {
  const info = archInfo(arch);
  const resolved = list === undefined
    ? undefined
    : resolveList(list, { arch, errorAction: spec.errorAction, allowDebuggers: spec.allowDebuggers, numbersApply: ownNumbers, notes });
  const features = planFeatures(spec, arch);
  const execve = syscallNumber(arch, 'execve');
  const listed = resolved?.entries ?? new Map<number, Action>();
  const allowlist = resolved?.kind === 'allowlist';
  const launcher = new Set<number>();
  for (const name of spec.launcherSyscalls ?? BWRAP_SYSCALLS.exec) {
    const nr = syscallNumber(arch, name);
    if (nr !== undefined) launcher.add(nr);
  }
  // Unlisted syscalls: allowed by a blocklist (or no list), refused by an allowlist.
  const unlisted: Action = allowlist ? toAction(spec.errorAction) : ALLOW;

  const base = (nr: number): Action => {
    // NOTE: the launcher runs under the filter too (bwrap execs the program after loading it).
    if (allowlist) return listed.has(nr) || launcher.has(nr) ? ALLOW : unlisted;
    return listed.get(nr) ?? ALLOW;
  };

  const numbers = new Set<number>([...listed.keys(), ...features.checks.keys(), ...features.forced.keys()]);
  if (allowlist) for (const nr of launcher) numbers.add(nr);
  const special = new Map<number, Outcome>();
  for (const nr of Float64Array.from(numbers).sort()) {
    if (info.hasX32 && nr >= X32_SYSCALL_BIT) {
      notes.push(`$${nr} is in the x32 range, which kiln denies as a whole; ignored`);
      continue;
    }
    const b = base(nr);
    const forced = features.forced.get(nr);
    const checks = features.checks.get(nr);
    // A syscall the list blocks stays blocked whatever its arguments; argument checks refine an allow.
    let outcome: Outcome;
    if (b.kind !== 'allow' && b.kind !== 'log') outcome = { kind: 'action', action: b };
    else if (forced !== undefined) outcome = { kind: 'action', action: forced.action };
    else if (checks !== undefined) outcome = { kind: 'args', checks, fallback: b };
    else outcome = { kind: 'action', action: b };
    special.set(nr, outcome);
  }

  for (const nr of allowlist ? launcher : []) {
    if (!listed.has(nr)) notes.push(`${syscallName(arch, nr)} is allowed although seccomp.keep does not list it: the launcher needs it`);
  }
  const blockedExecve = execve === undefined || allowlist ? undefined : listed.get(execve);
  if (blockedExecve !== undefined && blockedExecve.kind !== 'log') notes.push('execve is blocked: bwrap cannot start the program');

  return {
    arch,
    auditArch: info.auditArch,
    fallback: { kind: 'action', action: unlisted },
    special,
    unknown: errnoAction(ENOSYS),
    ...(info.hasX32 ? { x32: hardeningAction(spec) } : {}),
    ...(resolved === undefined ? {} : { list: resolved }),
    forced: features.forced,
  };
}

/** The rule listing of one ABI: list entries in list order, then what options impose. */
export function ruleLines(abi: AbiPlan): RuleLine[] {
  const rules: RuleLine[] = [];
  const name = (nr: number) => syscallName(abi.arch, nr) ?? `$${nr}`;
  if (abi.list !== undefined) {
    for (const [nr, action] of abi.list.entries) {
      if (!abi.special.has(nr)) continue;
      rules.push(abi.list.kind === 'blocklist' ? { kind: 'blacklist', nr, name: name(nr), action } : { kind: 'whitelist', nr, name: name(nr) });
    }
    if (abi.list.kind === 'allowlist') {
      for (const [nr, o] of abi.special) {
        if (!abi.list.entries.has(nr) && o.kind === 'action' && o.action.kind === 'allow') rules.push({ kind: 'whitelist', nr, name: name(nr) });
      }
    }
  }
  for (const [nr, f] of abi.forced) {
    const o = abi.special.get(nr);
    if (o?.kind === 'action' && o.action === f.action) rules.push({ kind: 'forced', nr, name: name(nr), action: f.action, why: f.why });
  }
  for (const [nr, o] of abi.special) {
    if (o.kind === 'args') for (const check of o.checks) rules.push({ kind: 'argcheck', nr, name: name(nr), check });
  }
  return rules;
}
