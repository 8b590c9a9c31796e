/**
 * The launcher's half of a sandbox network: starts kiln's network set-up stage (setup.ts, kiln's own binary
 * run as `kiln --kiln-net=3`) before the exec, with the pipes that tie it to the sandbox:
 *
 * - status: bwrap writes the sandbox's pid to it (--json-status-fd) once the namespaces exist; the stage
 *   reads it and works on /proc/PID/ns/net.
 * - ready: the stage writes one byte when everything is in place; kiln's init stage, inside the sandbox,
 *   waits for it and refuses to start the program on end of file (the stage failed, or was killed).
 *   Only the stage holds the writing end.
 * - lifetime: the reading end stays in tini, bwrap and the init stage, which closes its copy before the
 *   program starts; slirp4netns gets the writing end as --exit-fd and exits when the last reader goes,
 *   which is when the sandbox ends, SIGKILL of any process included. No pid is ever remembered.
 *
 * If kiln dies before the exec, the status pipe's writing end closes and the stage exits.
 */
import { SyscallError } from '../errors.ts';
import { memfdWithData } from '../launch/fds.ts';
import { makePipe, spawnWithFds } from '../helpers/spawn.ts';
import { errno, libc } from '../sys/libc.ts';
import type { NetPlan } from './types.ts';

export const NET_FLAG = '--kiln-net';

/** What the set-up stage is handed: the plan, and where slirp4netns writes its log. */
export interface SetupConfig {
  readonly plan: NetPlan;
  /** A file for slirp4netns' messages (in the sandbox's helper directory); absent: /dev/null. */
  readonly log?: string;
  /** The sandbox's name in the registry, for messages. */
  readonly name: string;
  /** The sandbox's helper directory (slirp4netns' log, --ip=dhcp's resolv.conf and event script). */
  readonly helperDir?: string;
}

/**
 * The fds the stage sees: its config, bwrap's status, the init stage's ready pipe, slirp4netns' lifetime,
 * and the tree pipe, on which the init stage says that bwrap has finished the sandbox's file system.
 */
export const SETUP_FDS = { config: 3, status: 4, ready: 5, lifetime: 6, tree: 7 } as const;

export interface StartedNetwork {
  readonly pid: number;
  /** For bwrap's --json-status-fd. */
  readonly statusFd: number;
  /**
   * The status pipe's reading end, kept by tini, bwrap and the init stage (which closes it) besides the
   * stage's own copy. NOTE: if the stage dies before bwrap writes its status, bwrap's monitor would get
   * SIGPIPE and die before it lets its child go on, and that child would wait for it forever (bwrap sets
   * its parent-death signal only later). With a reader left, the write succeeds, the init stage sees the
   * stage's end on the ready pipe, and the sandbox ends.
   */
  readonly statusKeepFd: number;
  /** For the init stage, which waits on it. */
  readonly readyFd: number;
  /** Inherited by tini, bwrap and the init stage (which closes it): slirp4netns lives as long as a copy does. */
  readonly lifetimeFd: number;
  /** For the init stage, which writes a byte to it when it starts: the tree is built. */
  readonly treeFd: number;
}

const F_SETFD = 2;

function inheritable(fd: number): void {
  if (libc().fcntl(fd, F_SETFD, 0) < 0) throw new SyscallError('fcntl(F_SETFD)', errno(), `fd ${fd}`);
}

export function startNetworkSetup(config: SetupConfig): StartedNetwork {
  const l = libc();
  const [statusR, statusW] = makePipe();
  const [readyR, readyW] = makePipe();
  const [lifeR, lifeW] = makePipe();
  const [treeR, treeW] = makePipe();
  const configFd = memfdWithData('kiln-net', new TextEncoder().encode(JSON.stringify(config)), false);
  let pid: number;
  try {
    pid = spawnWithFds(['/proc/self/exe', `${NET_FLAG}=${SETUP_FDS.config}`], [], [configFd, statusR, readyW, lifeW, treeR], "kiln's network set-up");
  } catch (e) {
    for (const fd of [statusR, statusW, readyR, lifeR, treeW]) l.close(fd);
    throw e;
  } finally {
    for (const fd of [configFd, readyW, lifeW, treeR]) l.close(fd);
  }
  for (const fd of [statusR, statusW, readyR, lifeR, treeW]) inheritable(fd);
  return { pid, statusFd: statusW, statusKeepFd: statusR, readyFd: readyR, lifetimeFd: lifeR, treeFd: treeW };
}
