/**
 * The policy under construction: mutable, with the bookkeeping that folding needs (the network interface
 * being configured, the D-Bus modes and rules, the exemption patterns). `finishDraft` freezes it into a
 * Policy.
 */
import type { Diagnostic, IncludeChain, Origin } from '../profile/diagnostics.ts';
import { errorAt, warningAt } from '../profile/diagnostics.ts';
import { ExemptionSet } from './exemptions.ts';
import { emptyPolicy, type DbusPolicy, type DbusRule, type NetInterface, type Policy, type SeccompPolicy } from './policy.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface BusDraft {
  mode: 'allow' | 'filter' | 'none';
  readonly rules: DbusRule[];
  /** `--dbus-user.log` / `--dbus-system.log`, with the option as typed (for the warning without filter). */
  log?: string;
}

export interface Exemptions {
  readonly profile: ExemptionSet;
  readonly cli: ExemptionSet;
  /** The sets a profile rule answers to, and those a command-line rule answers to. */
  readonly forProfile: readonly ExemptionSet[];
  readonly forCli: readonly ExemptionSet[];
}

function newExemptions(): Exemptions {
  const profile = new ExemptionSet();
  const cli = new ExemptionSet();
  return { profile, cli, forProfile: [profile, cli], forCli: [cli] };
}

export interface Draft {
  readonly p: Mutable<Policy>;
  readonly fs: Policy['fs'][number][];
  readonly exempted: Mutable<Policy['exempted']>;
  readonly notEnforced: Mutable<Policy['notEnforced']>;
  seccomp: Mutable<SeccompPolicy> | undefined;
  readonly interfaces: Mutable<NetInterface>[];
  readonly dbusUser: BusDraft;
  readonly dbusSystem: BusDraft;
  xephyrScreen: string | undefined;
  /** `noblacklist` patterns read so far in the profile, and those of the command line (which apply to all). */
  readonly noBlacklist: Exemptions;
  readonly noWhitelist: Exemptions;
  readonly diagnostics: Diagnostic[];
}

export function newDraft(): Draft {
  return {
    p: { ...emptyPolicy() },
    fs: [],
    exempted: [],
    notEnforced: [],
    seccomp: undefined,
    interfaces: [],
    dbusUser: { mode: 'allow', rules: [] },
    dbusSystem: { mode: 'allow', rules: [] },
    xephyrScreen: undefined,
    noBlacklist: newExemptions(),
    noWhitelist: newExemptions(),
    diagnostics: [],
  };
}

/** Seccomp settings as Firejail starts them: no list, EPERM for what a list refuses. A new object each call. */
export function defaultSeccomp(): Mutable<SeccompPolicy> {
  return {
    defaultList: false,
    extraDrop: [],
    defaultList32: false,
    extraDrop32: [],
    blockSecondary: false,
    errorAction: { kind: 'errno', errno: 'EPERM' },
    memoryDenyWriteExecute: false,
    allowDebuggers: false,
  };
}

/** The seccomp settings, created on first use with Firejail's defaults. */
export function seccompOf(draft: Draft): Mutable<SeccompPolicy> {
  draft.seccomp ??= defaultSeccomp();
  return draft.seccomp;
}

/** Reports a problem against the directive at `origin`. */
export function report(draft: Draft, severity: 'error' | 'warning', origin: Origin, chain: IncludeChain, message: string): void {
  switch (origin.kind) {
    case 'profile': {
      const at = { file: origin.file, line: origin.line, col: origin.col };
      draft.diagnostics.push(severity === 'error' ? errorAt(at, message, chain) : warningAt(at, message, chain));
      return;
    }
    case 'cli':
    case 'builtin':
      draft.diagnostics.push({ severity, message, file: origin.kind === 'cli' ? origin.option : origin.what, includedFrom: [] });
      return;
  }
}

function finishBus(bus: BusDraft): DbusPolicy {
  switch (bus.mode) {
    case 'allow':
      return { kind: 'allow' };
    case 'none':
      return { kind: 'none' };
    case 'filter':
      return { kind: 'filter', rules: bus.rules, log: bus.log !== undefined };
  }
}

export function finishDraft(draft: Draft): Policy {
  const p = draft.p;
  p.fs = draft.fs;
  p.exempted = draft.exempted;
  p.notEnforced = draft.notEnforced;
  if (draft.seccomp !== undefined) p.seccomp = draft.seccomp;
  if (draft.interfaces.length > 0 && p.net.kind === 'interfaces') p.net = { kind: 'interfaces', interfaces: draft.interfaces };
  p.dbusUser = finishBus(draft.dbusUser);
  p.dbusSystem = finishBus(draft.dbusSystem);
  if (p.x11.kind === 'server' && draft.xephyrScreen !== undefined) p.x11 = { ...p.x11, screen: draft.xephyrScreen };
  return p;
}
