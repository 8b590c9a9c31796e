/**
 * The typed directives of the profile language. `kind` is the command's name exactly as Firejail spells it
 * (`'private-dev'`, `'caps.drop'`); the fields hold the validated, macro-expanded argument. A profile line
 * and the equivalent command-line option (`private-dev` ⇔ `--private-dev`) produce the same directive.
 *
 * `include`, `ignore` and conditionals are structure, not directives: the loader consumes them.
 */
import type { Origin } from './diagnostics.ts';

/** Commands without an argument. */
export type FlagCommand =
  | 'allow-debuggers'
  | 'allusers'
  | 'apparmor-replace'
  | 'apparmor-stack'
  | 'caps'
  | 'deterministic-exit-code'
  | 'deterministic-shutdown'
  | 'disable-mnt'
  | 'ipc-namespace'
  | 'keep-config-pulse'
  | 'keep-dev-shm'
  | 'keep-var-tmp'
  | 'machine-id'
  | 'memory-deny-write-execute'
  | 'netlock'
  | 'no3d'
  | 'noautopulse'
  | 'nodbus'
  | 'nodvd'
  | 'nogroups'
  | 'noinput'
  | 'nonewprivs'
  | 'noprinters'
  | 'noroot'
  | 'nosound'
  | 'notv'
  | 'nou2f'
  | 'novideo'
  | 'private-cache'
  | 'private-dev'
  | 'private-tmp'
  | 'quiet'
  | 'seccomp.block-secondary'
  | 'tab'
  | 'tracelog'
  | 'writable-etc'
  | 'writable-run-user'
  | 'writable-var'
  | 'writable-var-log';

/** Commands whose argument is one path (after `${PATH}`, possibly several). */
export type PathCommand =
  | 'blacklist'
  | 'blacklist-nolog'
  | 'noblacklist'
  | 'whitelist'
  | 'whitelist-ro'
  | 'nowhitelist'
  | 'read-only'
  | 'read-write'
  | 'noexec'
  | 'tmpfs'
  | 'mkdir'
  | 'mkfile';

/** Commands whose argument is a comma-separated list of names relative to a directory. */
export type ListCommand = 'private-bin' | 'private-etc' | 'private-home' | 'private-lib' | 'private-opt' | 'private-srv';

export type SeccompListCommand =
  | 'seccomp'
  | 'seccomp.32'
  | 'seccomp.drop'
  | 'seccomp.32.drop'
  | 'seccomp.keep'
  | 'seccomp.32.keep';

export type DbusBus = 'dbus-user' | 'dbus-system';
export type DbusNameCommand = `${DbusBus}.${'own' | 'talk' | 'see'}`;
export type DbusRuleCommand = `${DbusBus}.${'call' | 'broadcast'}`;

export type RlimitCommand =
  | 'rlimit-as'
  | 'rlimit-cpu'
  | 'rlimit-fsize'
  | 'rlimit-nofile'
  | 'rlimit-nproc'
  | 'rlimit-sigpending';

/** Commands whose argument is one validated word kept as text. */
export type NameCommand = 'hostname' | 'name' | 'join-or-start' | 'netns' | 'veth-name';

export type Protocol = 'unix' | 'inet' | 'inet6' | 'netlink' | 'packet' | 'bluetooth';
export type NamespaceName = 'cgroup' | 'ipc' | 'net' | 'mnt' | 'pid' | 'time' | 'user' | 'uts';
export type X11Mode = 'auto' | 'none' | 'xephyr' | 'xorg' | 'xpra' | 'xvfb';

/**
 * One syscall list entry as written: `name`, `@group`, `$number`, `!name` (an exception), or
 * `name:ACTION`.
 */
export interface SyscallSpec {
  /** A syscall name, `@group`, or `$` and a decimal number (on the filter's own ABI). */
  readonly name: string;
  readonly exclude: boolean;
  /** `:ERRNO` (an errno name), `:kill` or `:log`; absent: the filter's error action. */
  readonly action?: string;
}

export type SeccompErrorAction =
  | { readonly kind: 'errno'; readonly errno: string }
  | { readonly kind: 'kill' }
  | { readonly kind: 'log' };

export type DirectiveBody =
  | { readonly kind: FlagCommand }
  | {
      readonly kind: PathCommand;
      /** The argument as written, for messages and `--profile.explain`. */
      readonly written: string;
      /** Absolute, normalized paths; several for `${PATH}/…`, none for an unresolved XDG macro. */
      readonly paths: readonly string[];
      /** The XDG macro that did not resolve, when `paths` is empty for that reason. */
      readonly unresolved?: string;
    }
  | { readonly kind: ListCommand; readonly items: readonly string[] }
  | { readonly kind: 'bind'; readonly src: string; readonly dest: string }
  | { readonly kind: 'private'; readonly dir?: string }
  | { readonly kind: 'private-cwd'; readonly dir?: string }
  | { readonly kind: 'hosts-file'; readonly path: string }
  | { readonly kind: 'caps.drop'; readonly caps: 'all' | readonly string[] }
  | { readonly kind: 'caps.keep'; readonly caps: readonly string[] }
  | { readonly kind: 'protocol'; readonly protocols: readonly Protocol[] }
  | { readonly kind: 'restrict-namespaces'; readonly namespaces: readonly NamespaceName[] }
  | { readonly kind: SeccompListCommand; readonly syscalls: readonly SyscallSpec[] }
  | { readonly kind: 'seccomp-error-action'; readonly action: SeccompErrorAction }
  | { readonly kind: 'apparmor'; readonly profile?: string }
  | { readonly kind: 'x11'; readonly mode: X11Mode }
  | { readonly kind: 'xephyr-screen'; readonly width: number; readonly height: number }
  | { readonly kind: DbusBus; readonly mode: 'filter' | 'none' }
  | { readonly kind: DbusNameCommand; readonly name: string }
  | { readonly kind: DbusRuleCommand; readonly name: string; readonly rule: string }
  | { readonly kind: 'env'; readonly name: string; readonly value: string }
  | { readonly kind: 'rmenv'; readonly name: string }
  | { readonly kind: 'shell'; readonly value: 'none' }
  | { readonly kind: NameCommand; readonly value: string }
  | { readonly kind: 'net'; readonly device: string | 'none' }
  | { readonly kind: 'ip'; readonly value: 'none' | 'dhcp' | { readonly address: string } }
  | { readonly kind: 'ip6'; readonly value: 'dhcp' | { readonly address: string } }
  | { readonly kind: 'iprange'; readonly start: string; readonly end: string }
  | { readonly kind: 'dns' | 'defaultgw' | 'netmask' | 'mac'; readonly address: string }
  | { readonly kind: 'mtu'; readonly mtu: number }
  /** `args`: Firejail's template form `netfilter FILE,ARG1,ARG2…`, replacing $ARG1… in the file. */
  | { readonly kind: 'netfilter'; readonly file?: string; readonly args?: readonly string[] }
  | { readonly kind: 'netfilter6'; readonly file: string; readonly args?: readonly string[] }
  | { readonly kind: 'cpu'; readonly cpus: readonly number[] }
  | { readonly kind: 'nice'; readonly nice: number }
  | { readonly kind: RlimitCommand; readonly limit: bigint }
  | { readonly kind: 'timeout'; readonly seconds: number }
  | { readonly kind: 'keep-fd'; readonly fds: 'all' | readonly number[] };

export type DirectiveKind = DirectiveBody['kind'];

/** A directive and where it was written. */
export type Directive = DirectiveBody & { readonly origin: Origin };

/** The directive of one kind, narrowed: `DirectiveOf<'net'>`. */
export type DirectiveOf<K extends DirectiveKind> = Extract<Directive, { readonly kind: K }>;
