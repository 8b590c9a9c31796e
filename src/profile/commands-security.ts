/** Security filters: capabilities, seccomp, protocols, namespaces, AppArmor, X11, D-Bus. */
import type { ArgSpec, ArgTable } from './argspec.ts';
import { quote } from './diagnostics.ts';
import type { DbusBus, DbusNameCommand, DbusRuleCommand, SeccompListCommand, X11Mode } from './directive.ts';
import {
  ArgumentError,
  parseBusName,
  parseBusRule,
  parseCaps,
  parseErrno,
  parseNamespaces,
  parseProtocols,
  parseScreenSize,
  parseSyscalls,
  NAMESPACES,
} from './values.ts';

type SecurityCommand =
  | 'caps.drop'
  | 'caps.keep'
  | 'protocol'
  | 'restrict-namespaces'
  | SeccompListCommand
  | 'seccomp-error-action'
  | 'apparmor'
  | 'x11'
  | 'xephyr-screen'
  | DbusBus
  | DbusNameCommand
  | DbusRuleCommand;

/** `seccomp` and `seccomp.32` take an optional list; the drop and keep forms need one. */
function seccompList<K extends SeccompListCommand>(kind: K, optional: boolean): ArgSpec<K> {
  if (optional) {
    return { arg: 'optional', parse: (arg) => ({ kind, syscalls: arg === undefined ? [] : parseSyscalls(arg) }) as const };
  }
  return { arg: 'required', parse: (arg) => ({ kind, syscalls: parseSyscalls(arg) }) as const };
}

function busMode<K extends DbusBus>(kind: K): ArgSpec<K> {
  return {
    arg: 'required',
    parse: (arg) => {
      if (arg !== 'filter' && arg !== 'none') throw new ArgumentError(`expected 'filter' or 'none' (got ${quote(arg)})`);
      return { kind, mode: arg } as const;
    },
  };
}

function busName<K extends DbusNameCommand>(kind: K): ArgSpec<K> {
  return { arg: 'required', parse: (arg) => ({ kind, name: parseBusName(arg) }) as const };
}

function busRule<K extends DbusRuleCommand>(kind: K): ArgSpec<K> {
  return { arg: 'required', parse: (arg) => ({ kind, ...parseBusRule(arg) }) as const };
}

const X11_MODES: readonly X11Mode[] = ['none', 'xephyr', 'xorg', 'xpra', 'xvfb'];

export const SECURITY_COMMANDS: ArgTable<SecurityCommand> = {
  'caps.drop': { arg: 'required', parse: (arg) => ({ kind: 'caps.drop', caps: arg === 'all' ? 'all' : parseCaps(arg) }) },
  'caps.keep': { arg: 'required', parse: (arg) => ({ kind: 'caps.keep', caps: parseCaps(arg) }) },
  protocol: { arg: 'required', parse: (arg) => ({ kind: 'protocol', protocols: parseProtocols(arg) }) },
  'restrict-namespaces': {
    arg: 'optional',
    parse: (arg) => ({ kind: 'restrict-namespaces', namespaces: arg === undefined ? [...NAMESPACES] : parseNamespaces(arg) }),
  },
  seccomp: seccompList('seccomp', true),
  'seccomp.32': seccompList('seccomp.32', true),
  'seccomp.drop': seccompList('seccomp.drop', false),
  'seccomp.32.drop': seccompList('seccomp.32.drop', false),
  'seccomp.keep': seccompList('seccomp.keep', false),
  'seccomp.32.keep': seccompList('seccomp.32.keep', false),
  'seccomp-error-action': {
    arg: 'required',
    parse: (arg) => {
      if (arg === 'kill' || arg === 'log') return { kind: 'seccomp-error-action', action: { kind: arg } };
      return { kind: 'seccomp-error-action', action: { kind: 'errno', errno: parseErrno(arg) } };
    },
  },
  apparmor: {
    arg: 'optional',
    parse: (arg) => {
      if (arg === undefined) return { kind: 'apparmor' };
      if (/\s/.test(arg)) throw new ArgumentError(`invalid AppArmor profile name ${quote(arg)}`);
      return { kind: 'apparmor', profile: arg };
    },
  },
  x11: {
    arg: 'optional',
    parse: (arg) => {
      if (arg === undefined) return { kind: 'x11', mode: 'auto' };
      const mode = X11_MODES.find((m) => m === arg);
      if (mode === undefined) throw new ArgumentError(`unknown mode ${quote(arg)}; expected one of ${X11_MODES.join(', ')}`);
      return { kind: 'x11', mode };
    },
  },
  'xephyr-screen': { arg: 'required', parse: (arg) => ({ kind: 'xephyr-screen', ...parseScreenSize(arg) }) },
  'dbus-user': busMode('dbus-user'),
  'dbus-system': busMode('dbus-system'),
  'dbus-user.own': busName('dbus-user.own'),
  'dbus-user.talk': busName('dbus-user.talk'),
  'dbus-user.see': busName('dbus-user.see'),
  'dbus-system.own': busName('dbus-system.own'),
  'dbus-system.talk': busName('dbus-system.talk'),
  'dbus-system.see': busName('dbus-system.see'),
  'dbus-user.call': busRule('dbus-user.call'),
  'dbus-user.broadcast': busRule('dbus-user.broadcast'),
  'dbus-system.call': busRule('dbus-system.call'),
  'dbus-system.broadcast': busRule('dbus-system.broadcast'),
};
