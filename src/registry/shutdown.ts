/**
 * --shutdown: SIGTERM to every process of the sandbox, up to ten seconds for the sandbox to end (as Firejail
 * gives), then SIGKILL to the sandbox's pid 1, which takes down everything in its pid namespace. The anchor
 * (whatever kiln's pid became: bwrap's monitor, `timeout`, a supervisor with bwrap below it) exits with
 * it. kiln waits on pidfds, so it returns as soon as the sandbox is gone, not at the next whole second.
 *
 * Firejail 0.9.72, measured: --shutdown sends SIGTERM to the sandbox's own init, which passes it on to
 * every process, checks once a second whether they are gone and sends SIGKILL after ten checks;
 * --shutdown itself checks once a second, eleven times at most, and then sends SIGKILL. So a program has
 * 10 s to finish, and firejail returns one to two seconds after it has (10–11 s if it never does).
 *
 * NOTE: pid 1 and the anchor are held as pidfds opened and then checked against their start times (and
 * pid 1 against its descent from the anchor), and every other process is signalled the same way, so a pid
 * recycled since the process table was read is never signalled nor waited for.
 * NOTE: the sandbox's pid 1 is bwrap, which has no SIGTERM handler; the kernel discards signals to a
 * namespace's init that it does not handle, so it gets only the SIGKILL. When the program bwrap started
 * exits, bwrap's pid 1 exits with it and the kernel kills what is left in the namespace.
 */
import { HostError, UsageError } from '../errors.ts';
import { childrenMap, descendsFrom, processTable, readProc, subtree } from './proc.ts';
import type { Sandbox } from './scan.ts';
import { closeFd, pidfdOpen, pidfdSignal, pidfdWait } from './sys.ts';

const SIGKILL = 9;
const SIGTERM = 15;
/** From SIGTERM to SIGKILL: Firejail's ten seconds. */
export const GRACE_MS = 10_000;
/** How long a process may take to go after its SIGKILL, or the anchor to follow its sandbox. */
const FOLLOW_MS = 2_000;

/** A pidfd for the process `pid` that started at `startTime`, or undefined if that process is gone. */
function openProcess(pid: number, startTime: string): number | undefined {
  const fd = pidfdOpen(pid);
  if (fd === undefined) return undefined;
  if (readProc(pid)?.startTime === startTime) return fd;
  closeFd(fd);
  return undefined;
}

/** Signals one process if it is still the one that started at `startTime`. */
function signalProcess(pid: number, startTime: string, signal: number): boolean {
  const fd = openProcess(pid, startTime);
  if (fd === undefined) return false;
  try {
    return pidfdSignal(fd, signal);
  } finally {
    closeFd(fd);
  }
}

export function shutdownSandbox(sb: Sandbox, option: string, info: (line: string) => void): void {
  const label = `sandbox ${sb.entry.name || sb.entry.pid} (pid ${sb.entry.pid})`;
  const table = processTable();
  const pid1 = sb.pid1 === undefined ? undefined : table.get(sb.pid1);
  // NOTE: without a pid 1 that checks out (bwrap's child, the owner's), nothing is known to be this
  // sandbox's but the anchor's pid, and that alone is not signalled on the entry's word.
  if (pid1 === undefined) throw new UsageError(`${option}=${sb.entry.name || sb.entry.pid}: the sandbox has not reported its pid 1; try again`);
  const anchorFd = openProcess(sb.entry.pid, sb.entry.startTime);
  if (anchorFd === undefined) return; // ended meanwhile, sandbox and all
  let pid1Fd = openProcess(pid1.pid, pid1.startTime);
  try {
    if (pid1Fd !== undefined && !descendsFrom(pid1.pid, sb.entry.pid)) {
      closeFd(pid1Fd);
      pid1Fd = undefined; // gone, and its pid reused, since the registry was read
    }
    if (pid1Fd !== undefined) {
      const inside = subtree(childrenMap(table), pid1.pid).slice(1);
      // Firejail's line (it names the first process inside), then which sandbox that is.
      info(`Sending signal ${SIGTERM} to pid ${inside[0] ?? pid1.pid}, and every process in ${label}`);
      for (const pid of inside) {
        const p = table.get(pid);
        if (p !== undefined) signalProcess(pid, p.startTime, SIGTERM);
      }
      if (!pidfdWait(pid1Fd, GRACE_MS)) {
        info(`Sending signal ${SIGKILL} to pid ${pid1.pid}, the pid 1 of ${label}`);
        pidfdSignal(pid1Fd, SIGKILL);
        if (!pidfdWait(pid1Fd, FOLLOW_MS)) throw new HostError(`${label}: its pid 1 (${pid1.pid}) is still running after SIGKILL`);
      }
    }
    if (pidfdWait(anchorFd, FOLLOW_MS)) return;
    // The anchor exits when the sandbox does; if it has not, it goes too.
    pidfdSignal(anchorFd, SIGKILL);
    if (!pidfdWait(anchorFd, FOLLOW_MS)) throw new HostError(`${label} is still running after SIGKILL`);
  } finally {
    if (pid1Fd !== undefined) closeFd(pid1Fd);
    closeFd(anchorFd);
  }
}
