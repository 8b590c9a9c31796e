/**
 * --shutdown: SIGTERM to every process of the sandbox, half a second for them to finish, then SIGKILL to
 * the sandbox's pid 1, which takes down everything in its pid namespace. bwrap's monitor (the anchor)
 * exits with it. Firejail waits longer; kiln promises the sandbox is gone within a second.
 *
 * NOTE: every signal goes through a pidfd opened and then checked against the process's start time, so a
 * pid recycled since the process table was read is never signalled.
 * NOTE: the sandbox's pid 1 is bwrap, which has no SIGTERM handler; the kernel discards signals to a
 * namespace's init that it does not handle, so it gets only the SIGKILL.
 */
import { HostError, UsageError } from '../errors.ts';
import { childrenMap, isRunning, processTable, readProc, subtree } from './proc.ts';
import type { Sandbox } from './scan.ts';
import { closeFd, pidfdOpen, pidfdSignal } from './sys.ts';

const SIGKILL = 9;
const SIGTERM = 15;
const GRACE_MS = 500;
const POLL_MS = 10;

/** Signals one process if it is still the one that started at `startTime`. */
function signalProcess(pid: number, startTime: string, signal: number): boolean {
  const fd = pidfdOpen(pid);
  if (fd === undefined) return false;
  try {
    return readProc(pid)?.startTime === startTime && pidfdSignal(fd, signal);
  } finally {
    closeFd(fd);
  }
}

function waitUntil(done: () => boolean, ms: number): boolean {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline) return false;
    Bun.sleepSync(POLL_MS);
  }
  return true;
}

export function shutdownSandbox(sb: Sandbox, option: string, info: (line: string) => void): void {
  const anchor = { pid: sb.entry.pid, startTime: sb.entry.startTime };
  const label = `sandbox ${sb.entry.name || sb.entry.pid} (pid ${sb.entry.pid})`;
  const table = processTable();
  const pid1 = sb.pid1 === undefined ? undefined : table.get(sb.pid1);
  // NOTE: without a pid 1 that checks out (bwrap's child, the owner's), nothing is known to be this
  // sandbox's but the anchor's pid, and that alone is not signalled on the entry's word.
  if (pid1 === undefined) throw new UsageError(`${option}=${sb.entry.name || sb.entry.pid}: the sandbox has not reported its pid 1; try again`);
  info(`Sending SIGTERM to ${label}`);
  for (const pid of subtree(childrenMap(table), pid1.pid).slice(1)) {
    const p = table.get(pid);
    if (p !== undefined) signalProcess(pid, p.startTime, SIGTERM);
  }
  if (!waitUntil(() => !isRunning(pid1.pid, pid1.startTime), GRACE_MS)) {
    info(`Sending SIGKILL to ${label}`);
    signalProcess(pid1.pid, pid1.startTime, SIGKILL);
  }
  if (waitUntil(() => !isRunning(anchor.pid, anchor.startTime), GRACE_MS)) return;
  // bwrap's monitor exits when its child does; if it has not, it goes too.
  signalProcess(anchor.pid, anchor.startTime, SIGKILL);
  if (!waitUntil(() => !isRunning(anchor.pid, anchor.startTime), GRACE_MS)) {
    throw new HostError(`${label} is still running after SIGKILL`);
  }
}
