/**
 * The resolved, typed sandbox policy: what one launch must enforce, after profiles, includes, `ignore`,
 * `noblacklist`/`nowhitelist` and command-line overrides have been folded together.
 *
 * Conventions: a field that is `undefined` means "not asked for" (Firejail's default applies);
 * an empty list means "asked for, with nothing in it" (for example `private-bin` with no names is an error
 * upstream, but `caps.keep` with an empty list would keep nothing). Firejail's command names appear in
 * camelCase (`private-dev` → `privateDev`).
 */

import type { Origin } from '../profile/diagnostics.ts';
import type { NamespaceName, Protocol, SeccompErrorAction, SyscallSpec } from '../profile/directive.ts';

/** Where a policy entry came from, for diagnostics and `--profile.explain`. */
export type { Origin, SeccompErrorAction, SyscallSpec };

/**
 * One filesystem rule, in order: the profile's rules as read (includes expanded), then the command
 * line's. Order matters: later rules mount over earlier ones. Paths are absolute and normalized; they may
 * hold glob characters (`*`, `?`, `[…]`), which the planner expands against the host.
 *
 * `except` holds the `noblacklist` (for a whitelist: `nowhitelist`) patterns in force where the rule was
 * written that may match the rule's path or one of its expansions: an expanded path matching one of them
 * (fnmatch, FNM_PATHNAME) is skipped. A rule without wildcards is decided at resolve time instead: if a
 * pattern matches it, it is not in `fs` at all but in `exempted`.
 */
export type FsRule =
  | { readonly kind: 'blacklist'; readonly path: string; readonly nolog: boolean; readonly except: readonly string[]; readonly origin: Origin }
  | { readonly kind: 'whitelist'; readonly path: string; readonly readOnly: boolean; readonly except: readonly string[]; readonly origin: Origin }
  | { readonly kind: 'read-only'; readonly path: string; readonly origin: Origin }
  | { readonly kind: 'read-write'; readonly path: string; readonly origin: Origin }
  | { readonly kind: 'noexec'; readonly path: string; readonly origin: Origin }
  | { readonly kind: 'tmpfs'; readonly path: string; readonly origin: Origin }
  | { readonly kind: 'bind'; readonly src: string; readonly dest: string; readonly origin: Origin }
  | { readonly kind: 'mkdir'; readonly path: string; readonly origin: Origin }
  | { readonly kind: 'mkfile'; readonly path: string; readonly origin: Origin };

export type CapsPolicy =
  /** No capability command: root keeps its capabilities, an unprivileged user has none anyway. */
  | { readonly kind: 'unchanged' }
  /** `caps`: Firejail's default capability filter (drops the dangerous ones). */
  | { readonly kind: 'default-filter' }
  | { readonly kind: 'drop-all' }
  | { readonly kind: 'drop'; readonly caps: readonly string[] }
  | { readonly kind: 'keep'; readonly caps: readonly string[] };

export type NetPolicy =
  /** Share the host's network namespace. */
  | { readonly kind: 'host' }
  /** `net none`: a new network namespace with only loopback. */
  | { readonly kind: 'none' }
  /** `net IFACE` (bridge, macvlan, tap) with its addressing commands. */
  | { readonly kind: 'interfaces'; readonly interfaces: readonly NetInterface[] }
  /** `netns NAME`: join a named namespace made with `ip netns`. */
  | { readonly kind: 'netns'; readonly name: string };

export interface NetInterface {
  readonly device: string;
  readonly ip?: string; // an address, 'none' or 'dhcp'
  readonly ip6?: string;
  readonly iprange?: readonly [string, string];
  readonly mac?: string;
  readonly mtu?: number;
  readonly netmask?: string;
  readonly vethName?: string;
  /** `--interface`: the host device itself is moved into the sandbox (root only). */
  readonly move?: true;
}

/**
 * Everything seccomp-related. Lists accumulate in the order written (profile, then command line).
 */
export interface SeccompPolicy {
  /** `seccomp` or `seccomp LIST`: the default blocklist, plus LIST. */
  readonly defaultList: boolean;
  readonly extraDrop: readonly SyscallSpec[];
  /** `seccomp.drop LIST`: a blocklist without the default. */
  readonly drop?: readonly SyscallSpec[];
  /** `seccomp.keep LIST`: an allowlist. */
  readonly keep?: readonly SyscallSpec[];
  /** The same three for the 32-bit ABI on a 64-bit kernel (`seccomp.32*`). */
  readonly defaultList32: boolean;
  readonly extraDrop32: readonly SyscallSpec[];
  readonly drop32?: readonly SyscallSpec[];
  readonly keep32?: readonly SyscallSpec[];
  readonly blockSecondary: boolean;
  readonly errorAction: SeccompErrorAction;
  readonly memoryDenyWriteExecute: boolean;
  readonly allowDebuggers: boolean;
  /** `protocol LIST` (accumulated, no duplicates); undefined means no socket-family filter. */
  readonly protocols?: readonly Protocol[];
  /** `restrict-namespaces [LIST]` (no list: all eight); undefined means namespaces may be created. */
  readonly restrictNamespaces?: readonly NamespaceName[];
}

export type DbusPolicy =
  | { readonly kind: 'allow' }
  | { readonly kind: 'none' }
  /** `log`: `--dbus-user.log` / `--dbus-system.log`, the proxy's log of this bus's traffic. */
  | { readonly kind: 'filter'; readonly rules: readonly DbusRule[]; readonly log: boolean };

export type DbusRule =
  | { readonly verb: 'own' | 'talk' | 'see'; readonly name: string; readonly origin: Origin }
  /** `dbus-*.call NAME=RULE`, `dbus-*.broadcast NAME=RULE`: RULE is `[INTERFACE.METHOD][@PATH]`. */
  | { readonly verb: 'call' | 'broadcast'; readonly name: string; readonly rule: string; readonly origin: Origin };

import type { X11Config } from '../profile/config.ts';

export type X11Policy =
  | { readonly kind: 'allow' }
  | { readonly kind: 'none' }
  /**
   * `x11` (auto) or `x11 MODE`; `screen` from `xephyr-screen WxH`; `config` from the global configuration
   * file's xvfb-/xephyr- keys (filled in when the policy is built).
   */
  | { readonly kind: 'server'; readonly mode: 'auto' | 'xephyr' | 'xorg' | 'xpra' | 'xvfb'; readonly screen?: string; readonly config?: X11Config };

export interface Rlimits {
  readonly as?: bigint;
  readonly cpu?: bigint;
  readonly fsize?: bigint;
  readonly nofile?: bigint;
  readonly nproc?: bigint;
  readonly sigpending?: bigint;
}

export interface Policy {
  /** The profile files read, in the order they were read (empty for `--noprofile`). */
  readonly profiles: readonly string[];
  readonly quiet: boolean;

  // ── filesystem ──────────────────────────────────────────────────────────────
  readonly fs: readonly FsRule[];
  /** `private`: a tmpfs home; `private DIR`: DIR as home. */
  readonly privateHome?: { readonly kind: 'tmpfs' } | { readonly kind: 'dir'; readonly dir: string; readonly origin: Origin };
  /** `private-home LIST` (accumulated): a tmpfs home seeded with copies of LIST. */
  readonly privateHomeList?: readonly string[];
  readonly privateBin?: readonly string[];
  readonly privateLib?: readonly string[];
  readonly privateEtc?: readonly string[];
  readonly privateOpt?: readonly string[];
  readonly privateSrv?: readonly string[];
  readonly privateCache: boolean;
  readonly privateTmp: boolean;
  readonly privateDev: boolean;
  /** `private-cwd` (home, or / if that fails) or `private-cwd DIR`. */
  readonly privateCwd?: { readonly kind: 'home' } | { readonly kind: 'dir'; readonly dir: string };
  readonly disableMnt: boolean;
  readonly keepDevShm: boolean;
  readonly keepVarTmp: boolean;
  readonly keepConfigPulse: boolean;
  readonly writableEtc: boolean;
  readonly writableVar: boolean;
  readonly writableVarLog: boolean;
  readonly writableRunUser: boolean;
  readonly allusers: boolean;
  readonly machineId: boolean;
  readonly devices: {
    readonly no3d: boolean;
    readonly nodvd: boolean;
    readonly nosound: boolean;
    readonly notv: boolean;
    readonly nou2f: boolean;
    readonly novideo: boolean;
    readonly noinput: boolean;
    readonly noprinters: boolean;
  };

  // ── namespaces and identity ────────────────────────────────────────────────
  readonly ipcNamespace: boolean;
  readonly net: NetPolicy;
  readonly hostname?: string;
  readonly hostsFile?: string;
  readonly dns: readonly string[];
  readonly defaultGateway?: string;
  readonly noroot: boolean;
  readonly nogroups: boolean;
  /** `--chroot=DIR`, as typed: the sandbox's root file system is DIR (checked in src/host/chroot.ts). */
  readonly chroot?: string;

  // ── security filters ───────────────────────────────────────────────────────
  /**
   * undefined: no seccomp-related command at all, so no filter beyond kiln's always-on hardening. Defined
   * as soon as one is given (seccomp*, protocol, restrict-namespaces, memory-deny-write-execute,
   * seccomp-error-action, allow-debuggers); `defaultList` says whether the default blocklist applies.
   */
  readonly seccomp?: SeccompPolicy;
  readonly caps: CapsPolicy;
  readonly nonewprivs: boolean;
  readonly dbusUser: DbusPolicy;
  readonly dbusSystem: DbusPolicy;
  readonly x11: X11Policy;
  /** `--dbus-log=FILE`: where the proxy's log goes; absent means standard output. */
  readonly dbusLogFile?: string;
  /**
   * `apparmor` (kiln's `kiln-default` profile, where Firejail's is `firejail-default`) or `apparmor NAME`;
   * undefined: not asked for. What a launch makes of it on this host: plan/apparmor.ts.
   */
  readonly apparmor?: { readonly profile?: string };
  /** `apparmor-replace` (Debian): replace the current AppArmor profile instead of stacking on it. */
  readonly apparmorReplace: boolean;
  /** `tracelog`: log blacklist violations to syslog. */
  readonly tracelog: boolean;
  /**
   * Why a profile's `tracelog` was not applied (the global configuration does not say `tracelog yes`), for
   * --debug; absent when tracelog applies or was never asked for.
   */
  readonly tracelogOff?: string;
  /** `netfilter` (the default filter) or `netfilter FILE`; applies only with a new network namespace. */
  readonly netfilter?: { readonly kind: 'default' } | { readonly kind: 'file'; readonly path: string; readonly args: readonly string[] };
  /** `netfilter6 FILE`: an ip6tables-restore file, with its template arguments. */
  readonly netfilter6?: { readonly path: string; readonly args: readonly string[] };
  /** `netlock`: generate a network filter from the traffic seen, then lock it. */
  readonly netlock: boolean;
  /** `tab`: shell tab completion in private homes (accepted by Firejail 0.9.72, no effect in kiln). */
  readonly tab: boolean;

  // ── resources and lifetime ────────────────────────────────────────────────
  readonly rlimits: Rlimits;
  readonly cpus?: readonly number[];
  readonly nice?: number;
  /**
   * `--output=FILE` / `--output-stderr=FILE` (command line only): a copy of the program's stdout (and
   * stderr) goes to FILE, rotated at 500 KiB through FILE.1 … FILE.5. A relative FILE is taken from the
   * caller's working directory.
   */
  readonly output?: { readonly file: string; readonly stderr: boolean };
  /** `--oom=N` (command line only): the sandbox's oom_score_adj, -1000…1000. */
  readonly oomScoreAdj?: number;
  /** Not set by any command: Firejail 0.9.72 removed `cgroup`. Kept for callers that read it. */
  readonly cgroup?: string;
  /** Wall-clock limit in seconds. */
  readonly timeoutSeconds?: number;
  readonly deterministicExitCode: boolean;
  readonly deterministicShutdown: boolean;
  readonly name?: string;
  readonly joinOrStart?: string;

  // ── environment and program ────────────────────────────────────────────────
  /** `env NAME=VALUE`, in order. */
  readonly env: readonly (readonly [string, string])[];
  /** `rmenv NAME`. */
  readonly rmenv: readonly string[];
  /** `shell none` or `shell PATH`; undefined means the user's login shell when no program is given. */
  readonly shell?: string;
  /** `keep-fd N` / `keep-fd all`. */
  readonly keepFds: readonly number[] | 'all';

  /**
   * Commands kiln recognized but does not enforce yet, each with where it came from. The launcher
   * prints one warning per command name; nothing here is silently dropped.
   */
  readonly notEnforced: readonly { readonly command: string; readonly origin: Origin }[];

  // ── provenance, for --profile.explain ──────────────────────────────────────
  /** Profile lines dropped by an `ignore` (profile or `--ignore`), with the pattern that matched. */
  readonly ignored: readonly { readonly text: string; readonly origin: Origin; readonly pattern: string }[];
  /** Blacklist and whitelist rules that a `noblacklist` / `nowhitelist` cancelled, and by which. */
  readonly exempted: readonly { readonly rule: Extract<FsRule, { kind: 'blacklist' | 'whitelist' }>; readonly by: Origin }[];
}

/** The policy of `kiln --noprofile`: nothing restricted beyond what every kiln sandbox gets. */
export function emptyPolicy(): Policy {
  return {
    profiles: [],
    quiet: false,
    fs: [],
    privateCache: false,
    privateTmp: false,
    privateDev: false,
    disableMnt: false,
    keepDevShm: false,
    keepVarTmp: false,
    keepConfigPulse: false,
    writableEtc: false,
    writableVar: false,
    writableVarLog: false,
    writableRunUser: false,
    allusers: false,
    machineId: false,
    devices: {
      no3d: false,
      nodvd: false,
      nosound: false,
      notv: false,
      nou2f: false,
      novideo: false,
      noinput: false,
      noprinters: false,
    },
    ipcNamespace: false,
    net: { kind: 'host' },
    dns: [],
    noroot: false,
    nogroups: false,
    caps: { kind: 'unchanged' },
    nonewprivs: false,
    dbusUser: { kind: 'allow' },
    dbusSystem: { kind: 'allow' },
    x11: { kind: 'allow' },
    apparmorReplace: false,
    tracelog: false,
    netlock: false,
    tab: false,
    rlimits: {},
    deterministicExitCode: false,
    deterministicShutdown: false,
    env: [],
    rmenv: [],
    keepFds: [],
    notEnforced: [],
    ignored: [],
    exempted: [],
  };
}
