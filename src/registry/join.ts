/**
 * Planning a join: which namespaces to enter, with whose credentials, and what runs there. Pure: the
 * facts come from join-exec.ts.
 *
 *   [setpriv --reuid=U …]  nsenter --target PID --user … --root --wd --  /proc/self/fd/N --kiln-init=M -- program
 *   └ root acting for U     └ util-linux: setns(2) needs a single-threaded process, which Bun is not
 *
 * kiln's init stage (src/launch/init.ts), run from the inherited fd N like a launch's, then drops
 * capabilities to the sandbox's, sets no_new_privs as the sandbox has it, scopes abstract unix sockets with
 * Landlock if the sandbox does, sets its resource limits, loads its seccomp filters (from the registry: the
 * programs it loaded) and execs the program with the sandbox's environment changes.
 *
 * NOTE: all of it happens in the init stage, after nsenter, not in kiln before it: a Landlock domain would
 * keep nsenter from opening the target's /proc/PID/ns files (Landlock confines ptrace access to nested
 * domains), a small rlimit-as would keep Bun from starting the init stage, and setpriv --reset-env would
 * undo the environment.
 *
 * NOTE: root acts on another user's sandbox as that user (setpriv first, before any namespace is
 * entered). Entering as root would mean root inside a user namespace the user controls, with
 * capabilities over the sandbox's mounts; as the user it can do nothing the user could not.
 */
import { UsageError } from '../errors.ts';
import type { InitConfig, TransferOp } from '../launch/init-config.ts';
import { INIT_FLAG } from '../launch/init-config.ts';
import { keptCaps } from './entry.ts';
import type { NamespaceKind } from './proc.ts';
import type { Sandbox } from './scan.ts';

/** --join (everything, with the sandbox's filters), --join-filesystem (mount), --join-network (net). */
export type JoinMode = 'all' | 'filesystem' | 'network';

export interface JoinFacts {
  readonly callerUid: number;
  /**
   * The process whose namespaces are entered: the sandbox's program (pid 1's oldest child), as Firejail
   * does, because kiln's init stage gives the program a mount namespace of its own; pid 1 if it has no
   * child.
   */
  readonly target: number;
  readonly nsenter: string;
  /** setpriv(1); needed only when root acts for another user. */
  readonly setpriv: string | undefined;
  /** Namespace ids of the caller and of the target; a kind missing from both is skipped. */
  readonly ownNs: Readonly<Partial<Record<NamespaceKind, bigint>>>;
  readonly sandboxNs: Readonly<Partial<Record<NamespaceKind, bigint>>>;
  /** no_new_privs of the target. */
  readonly noNewPrivs: boolean;
  readonly lastCap: number;
  /** The sandbox owner's primary gid, and whether they have a passwd entry (for their groups). */
  readonly ownerGid: number;
  readonly ownerHasPasswd: boolean;
  /**
   * The target's user namespace is nested below another of the sandbox's own: bwrap's outer one, which
   * owns the sandbox's pid, ipc, uts and network namespaces, while the program runs in a second one (a
   * sandbox with its own /dev, or with user-mode networking). Those namespaces cannot be entered from the
   * program's user namespace, nor from the caller's without CAP_SYS_ADMIN there; the join enters the outer
   * one first (JoinRequest.outer).
   */
  readonly nested?: boolean;
}

export interface JoinRequest {
  readonly mode: JoinMode;
  /** The program and its arguments, never empty (the caller picks the shell). */
  readonly program: readonly string[];
  readonly transfer?: TransferOp;
  /** The fd numbers the exec'd process will have kiln's binary and the init configuration at. */
  readonly exeFd: number;
  readonly configFd: number;
  /**
   * With `nested`: fds (as the exec'd process has them) of the sandbox's outer user namespace and, when the
   * sandbox has a network namespace that namespace owns, of the network namespace.
   */
  readonly outer?: { readonly user: number; readonly net?: number };
}

export interface JoinPlan {
  readonly argv: readonly string[];
  /** What the init stage applies; absent for --join-filesystem and --join-network, which apply nothing. */
  readonly init?: InitConfig;
  /** Whether setpriv resets the environment to the owner's (HOME, USER, SHELL, PATH…). */
  readonly actsForOwner: boolean;
}

const NSENTER_FLAG: Readonly<Record<NamespaceKind, string>> = {
  user: '--user',
  mnt: '--mount',
  uts: '--uts',
  ipc: '--ipc',
  net: '--net',
  pid: '--pid',
  cgroup: '--cgroup',
  time: '--time',
};

function differs(facts: JoinFacts, ns: NamespaceKind): boolean {
  const theirs = facts.sandboxNs[ns];
  return theirs !== undefined && theirs !== facts.ownNs[ns];
}

/** The namespaces to enter, user first (nsenter enters it first whatever the order). */
function namespacesFor(sb: Sandbox, facts: JoinFacts, mode: JoinMode, option: string): NamespaceKind[] {
  const wanted: readonly NamespaceKind[] =
    mode === 'all' ? ['mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup', 'time'] : mode === 'filesystem' ? ['mnt'] : ['net'];
  if (mode === 'network' && !differs(facts, 'net')) {
    throw new UsageError(`${option}=${sb.entry.name || sb.entry.pid}: the sandbox shares the host's network namespace; there is nothing to join`);
  }
  // The sandbox's other namespaces belong to its user namespace: entering them needs it entered first.
  return [...(differs(facts, 'user') ? (['user'] as const) : []), ...wanted.filter((ns) => differs(facts, ns))];
}

/**
 * The sandbox's limits, Landlock scope, environment changes and AppArmor profile, as its entry recorded
 * them. The joined program gets the profile as the sandbox's program did (Firejail's join does too).
 */
function sandboxSettings(sb: Sandbox): Pick<InitConfig, 'limits' | 'scopeAbstract' | 'env' | 'apparmor'> {
  const { limits, scopeAbstract, env, apparmor } = sb.entry;
  return {
    ...(limits !== undefined ? { limits } : {}),
    ...(scopeAbstract === true ? { scopeAbstract } : {}),
    ...(env !== undefined ? { env } : {}),
    ...(apparmor !== undefined ? { apparmor: { ...apparmor, quiet: false } } : {}),
  };
}

export function planJoin(sb: Sandbox, facts: JoinFacts, req: JoinRequest, option: string): JoinPlan {
  if (sb.pid1 === undefined) {
    throw new UsageError(`${option}=${sb.entry.name || sb.entry.pid}: the sandbox has not finished starting; try again`);
  }
  const owner = sb.entry.uid;
  const actsForOwner = facts.callerUid !== owner;
  if (actsForOwner && facts.callerUid !== 0) throw new UsageError(`${option}: only root can join another user's sandbox`);
  if (actsForOwner && facts.setpriv === undefined) throw new UsageError(`${option}: root needs setpriv (util-linux) to act as the sandbox's owner`);
  const all = namespacesFor(sb, facts, req.mode, option);
  // A nested sandbox: an nsenter of its own enters the outer user namespace (and the network it owns) as
  // its uid 0; the inner nsenter, with that namespace's capabilities, enters the program's user namespace
  // and the rest, so the joined program ends with none of them.
  const outerFds = facts.nested === true ? req.outer : undefined;
  const namespaces = outerFds?.net !== undefined ? all.filter((ns) => ns !== 'net') : all;
  const outer = outerFds === undefined ? [] : [facts.nsenter, '--preserve-credentials', `--user=/proc/self/fd/${outerFds.user}`, ...(outerFds.net !== undefined ? [`--net=/proc/self/fd/${outerFds.net}`] : []), '--'];
  const sandboxRoot = req.mode !== 'network';
  const nsenter = [
    facts.nsenter,
    `--target=${facts.target}`,
    ...namespaces.map((ns) => NSENTER_FLAG[ns]),
    // Already the owner: keep the uid and gid (bwrap maps them to themselves) rather than become uid 0.
    ...(namespaces.includes('user') ? ['--preserve-credentials'] : []),
    ...(sandboxRoot ? ['--root', '--wd'] : []),
    '--',
  ];
  const prefix = actsForOwner
    ? [facts.setpriv ?? 'setpriv', `--reuid=${owner}`, `--regid=${facts.ownerGid}`, facts.ownerHasPasswd ? '--init-groups' : '--clear-groups', '--reset-env', '--']
    : [];
  const withFilters = req.mode === 'all';
  if (!withFilters) return { argv: [...prefix, ...outer, ...nsenter, ...req.program], actsForOwner };
  const init: InitConfig = {
    steps: [],
    keepCaps: keptCaps(sb.entry, facts.lastCap),
    lastCap: facts.lastCap,
    // A transfer runs kiln's own code, not the sandbox's program: no filter, which might refuse what
    // Bun needs, but the sandbox's credentials.
    seccomp: req.transfer === undefined ? sb.entry.seccomp : [],
    exeFd: req.exeFd,
    noNewPrivs: facts.noNewPrivs,
    keepBounding: owner !== 0,
    searchPath: true,
    // What the launch applied to the sandbox before bwrap started, re-applied inside (see init-config.ts);
    // a transfer, kiln's own code, needs none of it.
    ...(req.transfer === undefined ? sandboxSettings(sb) : { transfer: req.transfer }),
  };
  return {
    argv: [...prefix, ...outer, ...nsenter, `/proc/self/fd/${req.exeFd}`, `${INIT_FLAG}=${req.configFd}`, '--', ...req.program],
    init,
    actsForOwner,
  };
}
