/** Folding security filters: capabilities, seccomp, protocols, namespaces, AppArmor, X11, D-Bus. */
import { assertNever } from '../errors.ts';
import type { Directive, DbusBus, DbusNameCommand, DbusRuleCommand, SeccompListCommand } from '../profile/directive.ts';
import { seccompOf, type BusDraft, type Draft } from './draft.ts';

export type SecurityKind =
  | 'caps'
  | 'caps.drop'
  | 'caps.keep'
  | 'nonewprivs'
  | 'noroot'
  | 'nogroups'
  | SeccompListCommand
  | 'seccomp.block-secondary'
  | 'seccomp-error-action'
  | 'memory-deny-write-execute'
  | 'allow-debuggers'
  | 'protocol'
  | 'restrict-namespaces'
  | 'apparmor'
  | 'apparmor-replace'
  | 'apparmor-stack'
  | 'x11'
  | 'xephyr-screen'
  | DbusBus
  | DbusNameCommand
  | DbusRuleCommand
  | 'nodbus'
  | 'tracelog';

function union<T>(list: readonly T[] | undefined, items: readonly T[]): T[] {
  const out = [...(list ?? [])];
  for (const i of items) if (!out.includes(i)) out.push(i);
  return out;
}

function busOf(draft: Draft, kind: `${DbusBus}${string}`): BusDraft {
  return kind.startsWith('dbus-user') ? draft.dbusUser : draft.dbusSystem;
}

/**
 * `dbus-* none` is final: "once access is disabled, it cannot be relaxed to filtering"
 * (firejail-profile(5)). Rules given before `dbus-* filter` count once filtering is on.
 */
function setBusMode(bus: BusDraft, mode: 'filter' | 'none'): void {
  if (bus.mode !== 'none') bus.mode = mode;
}

export function foldSecurity(draft: Draft, d: Directive & { kind: SecurityKind }): void {
  const p = draft.p;
  switch (d.kind) {
    // Capabilities: the last command wins, so a command-line option overrides the profile.
    case 'caps':
      p.caps = { kind: 'default-filter' };
      return;
    case 'caps.drop':
      p.caps = d.caps === 'all' ? { kind: 'drop-all' } : { kind: 'drop', caps: d.caps };
      return;
    case 'caps.keep':
      p.caps = { kind: 'keep', caps: d.caps };
      return;
    case 'nonewprivs':
      p.nonewprivs = true;
      return;
    case 'noroot':
      p.noroot = true;
      return;
    case 'nogroups':
      p.nogroups = true;
      return;
    case 'seccomp': {
      const s = seccompOf(draft);
      s.defaultList = true;
      s.extraDrop = [...s.extraDrop, ...d.syscalls];
      return;
    }
    case 'seccomp.32': {
      const s = seccompOf(draft);
      s.defaultList32 = true;
      s.extraDrop32 = [...s.extraDrop32, ...d.syscalls];
      return;
    }
    case 'seccomp.drop': {
      const s = seccompOf(draft);
      s.drop = [...(s.drop ?? []), ...d.syscalls];
      return;
    }
    case 'seccomp.32.drop': {
      const s = seccompOf(draft);
      s.drop32 = [...(s.drop32 ?? []), ...d.syscalls];
      return;
    }
    case 'seccomp.keep': {
      const s = seccompOf(draft);
      s.keep = [...(s.keep ?? []), ...d.syscalls];
      return;
    }
    case 'seccomp.32.keep': {
      const s = seccompOf(draft);
      s.keep32 = [...(s.keep32 ?? []), ...d.syscalls];
      return;
    }
    case 'seccomp.block-secondary':
      seccompOf(draft).blockSecondary = true;
      return;
    case 'seccomp-error-action':
      seccompOf(draft).errorAction = d.action;
      return;
    case 'memory-deny-write-execute':
      seccompOf(draft).memoryDenyWriteExecute = true;
      return;
    case 'allow-debuggers':
      seccompOf(draft).allowDebuggers = true;
      return;
    case 'protocol': {
      const s = seccompOf(draft);
      s.protocols = union(s.protocols, d.protocols);
      return;
    }
    case 'restrict-namespaces': {
      const s = seccompOf(draft);
      s.restrictNamespaces = union(s.restrictNamespaces, d.namespaces);
      return;
    }
    case 'apparmor':
      p.apparmor = d.profile === undefined ? {} : { profile: d.profile };
      return;
    case 'apparmor-replace':
      p.apparmorReplace = true;
      return;
    case 'apparmor-stack':
      p.apparmorReplace = false;
      return;
    case 'x11':
      p.x11 = d.mode === 'none' ? { kind: 'none' } : { kind: 'server', mode: d.mode };
      return;
    case 'xephyr-screen':
      draft.xephyrScreen = `${d.width}x${d.height}`;
      return;
    case 'dbus-user':
    case 'dbus-system':
      setBusMode(busOf(draft, d.kind), d.mode);
      return;
    case 'nodbus':
      setBusMode(draft.dbusUser, 'none');
      setBusMode(draft.dbusSystem, 'none');
      return;
    case 'dbus-user.own':
    case 'dbus-user.talk':
    case 'dbus-user.see':
    case 'dbus-system.own':
    case 'dbus-system.talk':
    case 'dbus-system.see': {
      const verb = d.kind.slice(d.kind.indexOf('.') + 1) as 'own' | 'talk' | 'see';
      busOf(draft, d.kind).rules.push({ verb, name: d.name, origin: d.origin });
      return;
    }
    case 'dbus-user.call':
    case 'dbus-user.broadcast':
    case 'dbus-system.call':
    case 'dbus-system.broadcast': {
      const verb = d.kind.endsWith('.call') ? 'call' : 'broadcast';
      busOf(draft, d.kind).rules.push({ verb, name: d.name, rule: d.rule, origin: d.origin });
      return;
    }
    case 'tracelog':
      p.tracelog = true;
      return;
    default:
      assertNever(d);
  }
}
