/**
 * A canonical text for a FilterSpec: equal specs give equal keys, whatever the order their fields were
 * written in. It keys the precompiled filters (and can key a launcher's own cache).
 */
import type { ErrorAction, FilterSpec, SyscallEntry, SyscallList } from './spec.ts';

function actionKey(a: ErrorAction | undefined): string {
  if (a === undefined) return '';
  return a.kind === 'errno' ? `errno:${a.errno}` : a.kind;
}

function entryKey(e: SyscallEntry): string {
  const r = e.ref;
  const ref = r.kind === 'name' ? r.name : r.kind === 'group' ? `@${r.group}` : `$${r.nr}`;
  return `${e.exclude ? '!' : ''}${ref}${e.action === undefined ? '' : `=${actionKey(e.action)}`}`;
}

function listKey(l: SyscallList | undefined): string {
  if (l === undefined) return '-';
  const head = l.kind === 'blocklist' ? (l.defaultList ? 'seccomp' : 'drop') : 'keep';
  return `${head}(${l.entries.map(entryKey).join(',')})`;
}

export function specKey(s: FilterSpec): string {
  return [
    s.arch,
    listKey(s.syscalls),
    listKey(s.syscalls32),
    s.blockSecondary ? 'block-secondary' : '',
    actionKey(s.errorAction),
    s.memoryDenyWriteExecute ? 'mdwe' : '',
    s.allowDebuggers ? 'debuggers' : '',
    s.protocols === undefined ? '-' : `protocol(${[...new Set(s.protocols)].sort().join(',')})`,
    s.restrictNamespaces === undefined ? '-' : `ns(${[...new Set(s.restrictNamespaces)].sort().join(',')})`,
    s.launcherSyscalls === undefined ? '-' : `launcher(${[...new Set(s.launcherSyscalls)].sort().join(',')})`,
  ].join(';');
}
