/**
 * The launcher's half of tracelog: starts the supervisor (supervisor.ts, kiln's own binary as
 * `kiln --kiln-tracelog=3`) before the exec, with a socket pair that ties it to the sandbox. The
 * supervisor holds one end; the other goes, inherited, through tini and bwrap to the init stage, which
 * sends the seccomp listener over it and closes it. No pid is remembered: if kiln or the sandbox dies
 * before the listener is sent, the supervisor reads end of file and exits; after, the listener's POLLHUP
 * ends it (supervisor.ts).
 */
import { SyscallError } from '../errors.ts';
import { memfdWithData } from '../launch/fds.ts';
import { spawnWithFds } from '../helpers/spawn.ts';
import { errno, libc, ptr } from '../sys/libc.ts';
import { tracelogLibc } from './ffi.ts';
import type { Blacklist } from './match.ts';
import { F_SETFD } from '../sys/flags.ts';

export const TRACELOG_FLAG = '--kiln-tracelog';

export interface TracelogConfig {
  /** The sandbox's pid as the registry lists it (kiln's own, which tini keeps) and its name ('' for none). */
  readonly sandboxPid: number;
  readonly name: string;
  readonly blacklist: Blacklist;
  /** The system log's socket: /dev/log, or KILN_SYSLOG_SOCKET. */
  readonly socket: string;
}

export interface StartedTracelog {
  readonly pid: number;
  /** The init stage's end of the socket pair, inheritable: bwrap passes it on. */
  readonly initFd: number;
}

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;

export function startTracelog(config: TracelogConfig): StartedTracelog {
  const l = libc();
  const pair = new Int32Array(2);
  if (tracelogLibc().socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ptr(pair)) !== 0) throw new SyscallError('socketpair', errno(), "for kiln's tracelog supervisor");
  const [initEnd, supervisorEnd] = [pair[0] ?? -1, pair[1] ?? -1];
  const configFd = memfdWithData('kiln-tracelog', new TextEncoder().encode(JSON.stringify(config)), false);
  let pid: number;
  try {
    pid = spawnWithFds(['/proc/self/exe', `${TRACELOG_FLAG}=3`], [], [configFd, supervisorEnd], "kiln's tracelog supervisor");
  } catch (e) {
    l.close(initEnd);
    throw e;
  } finally {
    l.close(configFd);
    l.close(supervisorEnd);
  }
  if (l.fcntl(initEnd, F_SETFD, 0) < 0) throw new SyscallError('fcntl(F_SETFD)', errno(), `fd ${initEnd}`);
  return { pid, initFd: initEnd };
}
