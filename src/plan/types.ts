/**
 * The launch plan: a pure description of one sandbox. Its mount list is ordered; position is mount order,
 * exactly as bwrap applies its options. Data that crosses into bwrap by file descriptor (files to create,
 * seccomp programs) lives in `blobs` and is referred to by index, so the plan holds no fds and no I/O.
 */

import type { HelperSpec } from '../helpers/spec.ts';
import type { NetPlan } from '../net/types.ts';

export interface EnvChanges {
  readonly unset: readonly string[];
  readonly set: readonly (readonly [string, string])[];
}

/** Index into `LaunchPlan.blobs`. */
export type BlobRef = number;

export type MountOp =
  | { readonly kind: 'bind'; readonly src: string; readonly dest: string; readonly optional?: true }
  | { readonly kind: 'ro-bind'; readonly src: string; readonly dest: string; readonly optional?: true }
  | { readonly kind: 'dev-bind'; readonly src: string; readonly dest: string; readonly optional?: true }
  | { readonly kind: 'remount-ro'; readonly dest: string }
  | { readonly kind: 'tmpfs'; readonly dest: string; readonly perms?: number; readonly size?: number }
  | { readonly kind: 'proc'; readonly dest: string }
  | { readonly kind: 'dev'; readonly dest: string }
  | { readonly kind: 'mqueue'; readonly dest: string }
  | { readonly kind: 'dir'; readonly dest: string; readonly perms?: number }
  | { readonly kind: 'symlink'; readonly target: string; readonly dest: string }
  /** A file with the given contents, created inside the sandbox (on a tmpfs or other writable place). */
  | { readonly kind: 'file'; readonly blob: BlobRef; readonly dest: string; readonly perms?: number }
  /** A file with the given contents, bind-mounted over `dest` (read-only unless `writable`). */
  | { readonly kind: 'bind-data'; readonly blob: BlobRef; readonly dest: string; readonly writable: boolean; readonly perms?: number }
  | { readonly kind: 'chmod'; readonly dest: string; readonly perms: number }
  /**
   * A socket in the sandbox's helper directory (made at launch; see src/helpers/), or the mount a helper
   * made there (squashfuse's, for --appimage), bound read-only at `dest`.
   */
  | { readonly kind: 'helper-bind'; readonly socket: string; readonly dest: string }
  /**
   * The X server's socket (`x11-socket` in the helper directory), bound at `dest`/XN for the display number
   * N the launch chose (see src/desktop/x11.ts); the launch also sets DISPLAY=:N.
   */
  | { readonly kind: 'helper-display-bind'; readonly dest: string };

export type Namespace = 'user' | 'pid' | 'ipc' | 'uts' | 'net' | 'cgroup';

/** What the filesystem rules came to: the paths blacklisted, whitelisted and brought in by private-lib. */
export interface FsReport {
  readonly blacklisted: readonly string[];
  readonly whitelisted: readonly string[];
  readonly privateLib: readonly string[];
}

/** A step bwrap cannot do, applied by kiln's init stage inside the sandbox before the program starts. */
export type InitStep =
  /**
   * Remount `dest` and every mount beneath it with `flags` added. If `dest` is not a mount point (a
   * directory inside a tmpfs, say), it is first bound onto itself. A missing `dest` is skipped.
   */
  | {
      readonly kind: 'remount';
      readonly dest: string;
      readonly flags: readonly ('noexec' | 'nosuid' | 'nodev' | 'ro')[];
      /**
       * Mount points beneath `dest` left as they are: the AppImage's, bound after every rule, which a
       * profile's `noexec ${RUNUSER}` must not make unrunnable (as Firejail's /run/firejail/appimage is
       * out of its reach). Absent: none.
       */
      readonly keep?: readonly string[];
    }
  /**
   * Blacklist `dest`, as bwrap's ops would (a mode 0000 tmpfs on a directory, a read-only /dev/null on
   * anything else), but with one mount call instead of bwrap's mount-table re-read per op. A missing
   * `dest` is skipped.
   */
  | { readonly kind: 'hide'; readonly dest: string }
  /**
   * A network namespace of the init stage's own, with loopback up (`net none`). Made here rather than by
   * bwrap so that it belongs to the user namespace the init stage runs in, where a sysfs may be mounted.
   */
  | { readonly kind: 'unshare-net' }
  /** A fresh, read-only sysfs at `dest`, showing the sandbox's own network namespace, not the host's. */
  | { readonly kind: 'sysfs'; readonly dest: string }
  /**
   * --chroot: make `dir` (where bwrap mounted the chroot's tree) the root, as pivot_root(2) does, detach
   * bwrap's own root so that nothing outside the chroot stays reachable, and change to `cwd`. Always the
   * first step; the paths of the steps after it are the chroot's.
   */
  | { readonly kind: 'pivot-root'; readonly dir: string; readonly cwd: string };

/**
 * An AppArmor profile the init stage asks the kernel to put the program under when it execs it
 * (plan/apparmor.ts).
 */
export interface AppArmorRequest {
  readonly profile: string;
  /**
   * `stack`: the program runs under its current confinement and the profile's both (the default);
   * `exec`: under the profile alone (`apparmor-replace`).
   */
  readonly mode: 'stack' | 'exec';
  /**
   * What to do when the kernel answers that the profile is not loaded: run the program unconfined with a
   * warning (kiln's default profile, where the launch could not read the list beforehand), or stop.
   */
  readonly ifNotLoaded: 'warn' | 'fail';
}

/**
 * kiln's in-sandbox init stage: kiln's own binary, passed into the sandbox as an open fd and exec'd by
 * bwrap in place of the program. It needs CAP_SYS_ADMIN for its mount steps, so when it runs, bwrap keeps
 * that capability and the init drops capabilities to `keepCaps` and loads the seccomp programs (which
 * would otherwise forbid its own mount calls) as its last steps before exec'ing the program.
 */
export interface InitPlan {
  readonly steps: readonly InitStep[];
  /** Capabilities the program keeps, by number; the init empties every other set and the bounding set. */
  readonly keepCaps: readonly number[];
  readonly lastCap: number;
  /** seccomp programs the init loads last (instead of bwrap, whose filter would forbid the init's mounts). */
  readonly seccomp: readonly Uint8Array[];
  /**
   * Resource limits, set just before the program starts, so that they bind the program and not kiln's,
   * tini's or bwrap's set-up (an rlimit-fsize of 1 kB would stop bwrap writing /etc/passwd).
   */
  readonly rlimits: readonly Rlimit[];
  /**
   * True when the init stage runs only for the limits and the signal reset: bwrap has already set the
   * program's capabilities, and the init leaves them alone (and has none with which to change them).
   */
  readonly capsByBwrap: boolean;
  /**
   * The network's set-up stage runs beside the sandbox (LaunchPlan.network): the init stage waits for its
   * word before any step, and stops without starting the program if it does not come. Absent: no wait.
   */
  readonly awaitNetwork?: true;
  /** The AppArmor profile the program gets at exec. Absent: none asked for, or none to be had. */
  readonly apparmor?: AppArmorRequest;
  /**
   * `tracelog`: the notifying filter the init stage loads (src/tracelog/filter.ts), and the tree's
   * blacklisted paths (and what is mounted back beneath them) that its supervisor reports. Absent: off.
   */
  readonly tracelog?: TracelogPlan;
}

export interface TracelogPlan {
  readonly filter: Uint8Array;
  readonly hidden: readonly string[];
  readonly shown: readonly string[];
}

/** setrlimit(resource, {value, value}); `name` is Firejail's command, for messages. */
export interface Rlimit {
  readonly name: string;
  readonly resource: number;
  readonly value: bigint;
}

/**
 * The processes kiln execs in front of bwrap (host paths). kiln's pid becomes tini, which stays resident,
 * forwards the signals it gets to the sandbox's process group and exits with the program's status.
 */
export interface Supervisor {
  readonly tini: string;
  /** coreutils' env: sets the dispositions bwrap's processes need before tini starts. */
  readonly env: string;
  /** --timeout: coreutils' timeout between tini and bwrap, under setpriv's parent-death signal. */
  readonly timeout?: { readonly timeout: string; readonly setpriv: string; readonly seconds: number; readonly graceSeconds: number };
}

/**
 * What resets the signals bwrap's processes ignore to their defaults for the program: coreutils' env at a
 * path the sandbox shows unchanged (one small exec), or kiln's init stage when it runs anyway, when env is
 * not in the sandbox, or when a seccomp list might refuse env's system calls.
 */
export type SignalReset = { readonly kind: 'env'; readonly path: string } | { readonly kind: 'init' };

/**
 * A step kiln applies to its own process just before exec'ing bwrap; everything it sets is inherited by
 * bwrap and the sandbox. Cheaper than an in-sandbox step, and it needs no extra process.
 */
export type PreExecStep =
  /** Narrow the capability bounding set to `keep` (root only; see plan/caps.ts). */
  | { readonly kind: 'cap-bounding'; readonly keep: readonly number[]; readonly lastCap: number }
  /** setrlimit(resource, {value, value}); `name` is Firejail's command, for messages. */
  | { readonly kind: 'rlimit'; readonly name: string; readonly resource: number; readonly value: bigint }
  | { readonly kind: 'nice'; readonly value: number }
  /** /proc/self/oom_score_adj (`--oom`); lowering it needs CAP_SYS_RESOURCE. */
  | { readonly kind: 'oom-score-adj'; readonly value: number }
  | { readonly kind: 'cpu-affinity'; readonly cpus: readonly number[] }
  /**
   * A Landlock domain that refuses connections to abstract unix sockets made outside it (ABI 6). Set on
   * kiln itself before the exec, it holds for bwrap and everything in the sandbox.
   */
  | { readonly kind: 'landlock-scope-abstract' }
  /** `nogroups` for root: drop every supplementary group (setgroups(0, NULL)). */
  | { readonly kind: 'drop-groups' }
  /** `netns NAME` (root): enter the named network namespace at `path` (setns), for bwrap and the sandbox. */
  | { readonly kind: 'setns-net'; readonly path: string };

export interface LaunchPlan {
  readonly bwrapPath: string;
  readonly namespaces: readonly Namespace[];
  readonly mounts: readonly MountOp[];
  readonly hostname?: string;
  /** Capabilities to drop or add for a privileged (root) launch; ignored by bwrap otherwise. */
  readonly capDrop: readonly string[];
  readonly capAdd: readonly string[];
  readonly chdir: string;
  /** The complete environment the program starts with: the caller's, with `envChanges` applied. */
  readonly env: readonly string[];
  /** What the policy does to the caller's environment (`rmenv`, sockets cut off, then `env`). */
  readonly envChanges: EnvChanges;
  /** The program and its arguments. argv[0] is a path that exists inside the sandbox. */
  readonly argv: readonly string[];
  readonly dieWithParent: boolean;
  readonly newSession: boolean;
  readonly blobs: readonly Uint8Array[];
  /**
   * Blobs that are copies of the caller's own files (`src` on the host) put into a private home. The plan
   * cache stores them empty and reads them afresh at launch: a cached plan never holds the user's files.
   */
  readonly copies: readonly { readonly blob: BlobRef; readonly src: string }[];
  /** seccomp programs (blob indices), loaded in order. */
  readonly seccomp: readonly BlobRef[];
  readonly preExec: readonly PreExecStep[];
  readonly supervisor: Supervisor;
  readonly signalReset: SignalReset;
  /** Programs that run beside the sandbox (the D-Bus proxy, a nested X server), started and ready before it. */
  readonly helpers: readonly HelperSpec[];
  /** Present when something must happen inside the sandbox that bwrap cannot do. */
  readonly init?: InitPlan;
  /**
   * `--output`: the program's stdout (and with `stderr`, its stderr) goes through kiln's log relay
   * (launch/output.ts), which copies it to the caller's stdout and to `file` (absolute), rotating it.
   */
  readonly output?: { readonly file: string; readonly stderr: boolean };
  /**
   * --chroot: where bwrap mounts the sandbox's tree (`mounts` there are already beneath it). bwrap's own
   * root holds only what kiln's init stage needs to start, and the init stage pivots into this directory
   * (its first step). Absent: the tree is bwrap's root.
   */
  readonly rootAt?: string;
  /**
   * A network namespace with interfaces, set up from outside by kiln's set-up stage (src/net/) while the
   * init stage waits. Absent: the host's network, `net none` (made by the init stage), or a named netns.
   */
  readonly network?: NetPlan;
  /** An fd for bwrap's --info-fd (the sandbox's pid 1 on the host); set at launch, not by planning. */
  readonly infoFd?: number;
  /** Things the user should know: what this host cannot give the policy (printed unless --quiet). */
  readonly warnings: readonly string[];
  /** Paths the plan looked for but did not find, reported under --debug. */
  readonly missing: readonly string[];
  /** What --debug says about choices the plan made (AppArmor's, say). Absent: nothing. */
  readonly notes?: readonly string[];
  /** For --debug-blacklists, --debug-whitelists and --debug-private-lib. */
  readonly fsReport: FsReport;
}
