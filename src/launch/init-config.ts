/** What the parent hands the in-sandbox init stage, through an inherited memfd. */
import type { AppArmorRequest, EnvChanges, InitStep } from '../plan/types.ts';

/**
 * A resource limit, nice value or CPU affinity a join re-applies: the launch's pre-exec step of that kind,
 * as JSON carries it (an rlimit's value as a decimal string, since JSON has no 64-bit integers).
 */
export type JoinLimit =
  | { readonly kind: 'rlimit'; readonly name: string; readonly resource: number; readonly value: string }
  | { readonly kind: 'nice'; readonly value: number }
  | { readonly kind: 'cpu-affinity'; readonly cpus: readonly number[] };

export interface InitConfig {
  readonly steps: readonly InitStep[];
  readonly keepCaps: readonly number[];
  readonly lastCap: number;
  /** seccomp programs (struct sock_filter arrays), base64, loaded last, in order. */
  readonly seccomp: readonly string[];
  /** The fd the init stage was exec'd from; closed before the program starts. */
  readonly exeFd: number;
  /** Resource limits to set just before the program starts: [resource, value as a decimal string]. */
  readonly rlimits?: readonly (readonly [number, string])[];
  /** Leave capabilities as bwrap set them (see InitPlan.capsByBwrap). */
  readonly capsByBwrap?: boolean;
  /**
   * Signals to give back their default action (those the supervisor's chain ignored, where this process
   * ignores them) and to unblock (those --timeout's chain blocked), just before the exec.
   */
  readonly defaultSignals?: readonly number[];
  readonly unblockSignals?: readonly number[];
  /** Signals the caller ignored that the chain made default: ignored again for the program. */
  readonly reignoreSignals?: readonly number[];
  /**
   * The network set-up stage's ready pipe: the init stage waits for its byte before anything else, and
   * stops, without starting the program, on end of file. Absent: no network to wait for.
   */
  readonly awaitFd?: number;
  /** The network set-up stage's tree pipe: one byte says bwrap has built the tree (it may mount on it now). */
  readonly treeFd?: number;
  /**
   * tracelog: the socket to kiln's supervisor, and the notifying filter (base64) whose listener goes over
   * it, loaded before the profile's filters. Absent: no tracelog.
   */
  readonly tracelog?: { readonly fd: number; readonly filter: string };
  /** Inherited fds the program must not get (the network's status and lifetime pipes). */
  readonly closeFds?: readonly number[];
  /**
   * The AppArmor profile the program gets at exec (plan/apparmor.ts), and whether a warning the init
   * stage may have to give is silenced (--quiet). Absent: none.
   */
  readonly apparmor?: AppArmorRequest & { readonly quiet: boolean };
  // The fields below are for `kiln --join` (src/registry/join.ts); a launch leaves them out.
  /**
   * Set no_new_privs before loading the filters. Absent for a launch, where bwrap has set it already; a
   * join copies the sandbox's setting.
   */
  readonly noNewPrivs?: boolean;
  /**
   * Leave the bounding set alone. A join into an unprivileged sandbox runs as a non-root user in its user
   * namespace: the exec has already emptied every capability set but the bounding set, and we lack the
   * CAP_SETPCAP that narrowing it needs. With no permitted, inheritable or ambient capabilities and
   * no_new_privs set, nothing can be gained through it. Absent: narrow it to `keepCaps`.
   */
  readonly keepBounding?: boolean;
  /** Look the program up on PATH inside the sandbox (a join names programs as a user types them). */
  readonly searchPath?: boolean;
  /**
   * The sandbox's resource limits, nice value and CPU affinity, set just before the filters, as far as the
   * joiner may set them (never beyond: see src/launch/join-apply.ts). Absent: none.
   */
  readonly limits?: readonly JoinLimit[];
  /** Scope abstract unix sockets with Landlock, as the sandbox's launch did (x11 none, dbus-* none). */
  readonly scopeAbstract?: boolean;
  /** The sandbox's environment changes, applied to the joiner's environment. Absent: none. */
  readonly env?: EnvChanges;
  /** A file transfer (--ls, --get, --put) to perform in place of running a program. */
  readonly transfer?: TransferOp;
}

/**
 * What a file transfer does inside the sandbox, as its owner: `ls` lists to stdout, `get` copies the file
 * to stdout, `put` copies stdin to the file (created 0600, as Firejail does).
 */
export type TransferOp =
  | { readonly kind: 'ls'; readonly path: string }
  /** `option`: how the user asked, for messages (--cat copies to the caller's stdout rather than a file). */
  | { readonly kind: 'get'; readonly path: string; readonly option?: '--cat' }
  | { readonly kind: 'put'; readonly path: string };

export const INIT_FLAG = '--kiln-init';

export function encodeInitConfig(c: InitConfig): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(c));
}

export function decodeInitConfig(bytes: Uint8Array): InitConfig {
  const v = JSON.parse(new TextDecoder().decode(bytes)) as InitConfig;
  if (!Array.isArray(v.steps) || !Array.isArray(v.keepCaps) || typeof v.exeFd !== 'number') {
    throw new TypeError('malformed init configuration');
  }
  return v;
}
