/**
 * Resolves a seccomp list (names, @groups, $numbers, !exceptions, :actions) to syscall numbers of one ABI.
 */
import type { Arch } from './arch.ts';
import { ALLOW, type Action } from './bpf.ts';
import { SeccompError } from './error.ts';
import { expandGroup } from './groups.ts';
import type { ErrorAction, SyscallEntry, SyscallList } from './spec.ts';
import { isKnownSyscall, knownSyscallNames, syscallNumber } from './syscalls.ts';
import { suggest } from '../suggest.ts';

export interface ResolvedList {
  readonly kind: SyscallList['kind'];
  /** blocklist: the blocked numbers and their actions; allowlist: the allowed numbers (action ALLOW). In list order. */
  readonly entries: ReadonlyMap<number, Action>;
}

export interface ListContext {
  readonly arch: Arch;
  readonly errorAction: ErrorAction;
  readonly allowDebuggers: boolean;
  /** False when a native list is applied to the compat ABI by name: `$N` means a native number there. */
  readonly numbersApply: boolean;
  readonly notes: string[];
}

export function toAction(a: ErrorAction): Action {
  switch (a.kind) {
    case 'errno':
      return { kind: 'errno', errno: a.errno };
    case 'kill':
      return { kind: 'kill' };
    case 'log':
      return { kind: 'log' };
  }
}

/** The numbers an entry names on this ABI; names the ABI lacks are skipped (with a note if written explicitly). */
function numbersOf(entry: SyscallEntry, ctx: ListContext): number[] {
  const ref = entry.ref;
  switch (ref.kind) {
    case 'name': {
      const nr = syscallNumber(ctx.arch, ref.name);
      if (nr !== undefined) return [nr];
      if (!isKnownSyscall(ref.name)) {
        const s = suggest(ref.name, knownSyscallNames());
        throw new SeccompError({ kind: 'unknown-syscall', name: ref.name, ...(s === undefined ? {} : { suggestion: s }) });
      }
      ctx.notes.push(`${ref.name} is not a syscall on ${ctx.arch}; skipped there`);
      return [];
    }
    case 'group':
      return expandGroup(ref.group).flatMap((name) => {
        const nr = syscallNumber(ctx.arch, name);
        return nr === undefined ? [] : [nr];
      });
    case 'number':
      if (!ctx.numbersApply) {
        ctx.notes.push(`$${ref.nr} is a native syscall number; not applied to ${ctx.arch}`);
        return [];
      }
      return [ref.nr];
  }
}

function entryText(e: SyscallEntry): string {
  const r = e.ref;
  const base = r.kind === 'name' ? r.name : r.kind === 'group' ? `@${r.group}` : `$${r.nr}`;
  return `${e.exclude ? '!' : ''}${base}${e.action === undefined ? '' : `:${e.action.kind}`}`;
}

export function resolveList(list: SyscallList, ctx: ListContext): ResolvedList {
  const entries = new Map<number, Action>();
  const errorAction = toAction(ctx.errorAction);
  const apply = (e: SyscallEntry) => {
    for (const nr of numbersOf(e, ctx)) {
      if (e.exclude) entries.delete(nr);
      else if (list.kind === 'allowlist') entries.set(nr, ALLOW);
      else entries.set(nr, e.action === undefined ? errorAction : toAction(e.action));
    }
  };
  if (list.kind === 'allowlist') {
    for (const e of list.entries) {
      if (e.action !== undefined) throw new SeccompError({ kind: 'action-in-allowlist', text: entryText(e) });
    }
  } else if (list.defaultList) {
    apply({ ref: { kind: 'group', group: ctx.allowDebuggers ? 'default' : 'default-nodebuggers' }, exclude: false });
  }
  for (const e of list.entries) apply(e);
  return { kind: list.kind, entries };
}
