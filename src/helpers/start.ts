/**
 * Starts a plan's helpers before the sandbox: each one with posix_spawn (its own session, default signal
 * dispositions, stdin from /dev/null, only the fds it is given), then waits until it says it is ready.
 * A helper that exits, or is not ready in time, stops the launch: the sandbox never runs without it.
 *
 * Lifetimes (see spec.ts) never depend on kiln remembering a pid: an `fd` helper watches its pipe, whose
 * other end kiln holds until it becomes the supervisor and passes it to bwrap as --sync-fd; a `parent`
 * helper gets SIGTERM from the kernel when kiln's process (later tini) goes. If kiln is SIGKILLed while a
 * helper starts, the pipe closes (or the parent dies) and the helper goes with it.
 */
import { HostError, SyscallError } from '../errors.ts';
import { memfdWithData } from '../launch/fds.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { isExecutableFile, readText, realPath } from '../sys/fs.ts';
import { parseMountinfo } from '../launch/mountinfo.ts';
import { spawnLibc } from './libc-spawn.ts';
import { CHILD_ARGS_FD, CHILD_READY_FD, helperEnv, makePipe, spawnHelper } from './spawn.ts';
import type { HelperArg, HelperSpec } from './spec.ts';
import { FIRST_DISPLAY, freeDisplay, runStep } from './steps.ts';
import { O_RDONLY, O_CLOEXEC, F_SETFD, EINTR } from '../sys/flags.ts';

const POLLIN = 1;
const POLLPRI = 2;
const POLLERR = 8;
const SIGKILL = 9;
const SIGTERM = 15;
const SYS_pidfd_open = 434; // the same on every architecture (the unified table, Linux 5.3+)
const DISPLAY_ATTEMPTS = 32;
/** How long a helper stopped with SIGTERM has to exit (squashfuse unmounts first) before SIGKILL. */
const STOP_GRACE_MS = 5_000;

export interface RunningHelper {
  readonly name: string;
  readonly spec: HelperSpec;
  readonly pid: number;
  /** The display number an X server reported (`display` readiness). */
  readonly display?: number;
  /** How long it took from spawn to ready, in milliseconds. */
  readonly startMs: number;
}

export interface StartedHelpers {
  readonly helpers: readonly RunningHelper[];
  /** The read end of the `fd` helper's pipe, inheritable, for bwrap's --sync-fd; absent without one. */
  readonly syncFd?: number;
  /** The display number the sandbox uses for its X server (`x11-socket` in the directory); absent without one. */
  readonly display?: number;
  /** One-shot steps (xauth generate) that ran to completion, with their times. */
  readonly oneShots: readonly RunningHelper[];
  /** Kills every helper started (for a launch that fails before the sandbox exists). */
  readonly abort: () => void;
}

const encoder = new TextEncoder();

function resolveArg(a: HelperArg, dir: string, display: number): string {
  if (typeof a === 'string') return a;
  switch (a.kind) {
    case 'path':
      return `${a.prefix ?? ''}${dir}/${a.name}`;
    case 'ready-fd':
      return `${a.prefix}${CHILD_READY_FD}`;
    case 'args-fd':
      return `${a.prefix}${CHILD_ARGS_FD}`;
    case 'display':
      return `:${display}`;
  }
}

/** The last lines a failed helper wrote to its log, for the error message. */
function logTail(path: string): string {
  const text = readText(path)?.trim() ?? '';
  if (text === '') return '';
  return `:\n  ${text.split('\n').slice(-5).join('\n  ')}`;
}

/** Whether the mount table shows a mount at `path` (canonical). */
function isMounted(path: string): boolean {
  return parseMountinfo(readText('/proc/self/mountinfo') ?? '').some((m) => m.mountPoint === path);
}

/**
 * Reads what the helper writes to its ready pipe until it is ready; 'eof' if it closed the pipe (exited),
 * 'timeout' if it ran out of time. With `mountPoint` (`mount` readiness), ready is when a mount shows
 * there: kiln sleeps in poll(2) on the ready pipe and on /proc/self/mountinfo, which reports POLLPRI
 * whenever the mount table changes, and looks again after each change.
 */
function awaitReady(spec: HelperSpec, fd: number, mountPoint?: string): { display?: number } | 'eof' | 'timeout' {
  const l = spawnLibc();
  const deadline = performance.now() + spec.readyTimeoutMs;
  const mounts = mountPoint === undefined ? -1 : libc().open(ptr(cString('/proc/self/mountinfo')), O_RDONLY | O_CLOEXEC, 0);
  if (mountPoint !== undefined && mounts < 0) throw new SyscallError('open', errno(), '/proc/self/mountinfo');
  const pfd = new Int32Array(4);
  const buf = new Uint8Array(64);
  let text = '';
  try {
    for (;;) {
      // NOTE: the mountinfo fd reports changes made since it was opened (or last reported), so a mount
      // made between this look and the poll below still wakes the poll.
      if (mountPoint !== undefined && isMounted(mountPoint)) return {};
      const left = Math.max(0, Math.ceil(deadline - performance.now()));
      pfd.set([fd, POLLIN, mounts, POLLPRI]);
      const n = l.poll(ptr(pfd), mounts < 0 ? 1 : 2, left);
      if (n < 0) {
        if (errno() === EINTR) continue;
        throw new SyscallError('poll', errno(), `${spec.name}'s ready pipe`);
      }
      if (n === 0) return 'timeout';
      if (((pfd[3] ?? 0) >>> 16) & (POLLPRI | POLLERR)) continue; // the mount table changed: look again
      const got = Number(libc().read(fd, ptr(buf), buf.length));
      if (got < 0) {
        if (errno() === EINTR) continue;
        throw new SyscallError('read', errno(), `${spec.name}'s ready pipe`);
      }
      if (got === 0) return 'eof';
      switch (spec.readiness.kind) {
        case 'byte':
          return {};
        case 'exit':
        case 'started':
        case 'mount':
          continue; // it has nothing to say; its exit closes the pipe
        case 'display': {
          text += new TextDecoder().decode(buf.subarray(0, got));
          const m = /^(\d+)\n/.exec(text);
          if (m?.[1] !== undefined) return { display: Number(m[1]) };
          if (text.length > 32) return 'eof';
        }
      }
    }
  } finally {
    if (mounts >= 0) libc().close(mounts);
  }
}

/** Waits up to `ms` for a child to exit, on a pidfd; false if it has not (or the kernel has no pidfds). */
function exitsWithin(pid: number, ms: number): boolean {
  const pidfd = Number(libc().syscall(SYS_pidfd_open, pid, 0, 0));
  if (pidfd < 0) return false;
  try {
    const pfd = new Int32Array([pidfd, POLLIN]);
    const deadline = performance.now() + ms;
    for (;;) {
      const n = spawnLibc().poll(ptr(pfd), 1, Math.max(0, Math.ceil(deadline - performance.now())));
      if (n >= 0) return n > 0;
      if (errno() !== EINTR) return false;
    }
  } finally {
    libc().close(pidfd);
  }
}

/**
 * Stops and reaps a helper; returns its wait status text. A `parent` helper first gets the SIGTERM the
 * kernel would send it at the sandbox's end, on which an X server removes its socket and squashfuse
 * unmounts; SIGKILL follows if it has not exited in time, and is all the others get.
 */
function stopHelper(spec: HelperSpec, pid: number): string {
  if (spec.lifetime.kind === 'parent') {
    spawnLibc().kill(pid, SIGTERM);
    if (exitsWithin(pid, STOP_GRACE_MS)) return reap(pid);
  }
  return killHelper(pid);
}

/** Kills and reaps a helper; returns its wait status text. */
function killHelper(pid: number): string {
  spawnLibc().kill(pid, SIGKILL);
  return reap(pid);
}

/** Waits for a helper that has exited (or was killed) and describes its status; 'exit status 0' is success. */
function reap(pid: number): string {
  const l = spawnLibc();
  const status = new Int32Array(1);
  while (l.waitpid(pid, ptr(status), 0) < 0 && errno() === EINTR);
  const s = status[0] ?? 0;
  if ((s & 0x7f) === 0) return `exit status ${(s >> 8) & 0xff}`;
  return (s & 0x7f) === SIGKILL ? 'killed' : `signal ${s & 0x7f}`;
}

/**
 * Starts the helpers in order, in `dir` (the sandbox's helper directory, already made). `env` is the
 * caller's environment. Throws a HostError naming the helper (and its package) if one cannot start.
 */
export function startHelpers(specs: readonly HelperSpec[], dir: string, env: readonly string[]): StartedHelpers {
  const running: RunningHelper[] = [];
  const oneShots: RunningHelper[] = [];
  let syncFd: number | undefined;
  let sandboxDisplay: number | undefined;
  const abort = () => {
    for (const h of running) stopHelper(h.spec, h.pid);
    if (syncFd !== undefined) libc().close(syncFd);
  };
  try {
    let nextDisplay = FIRST_DISPLAY;
    for (const spec of specs) {
      if (!isExecutableFile(spec.path)) {
        throw new HostError(`${spec.path} is missing: install the ${spec.pkg} package (apt-get install ${spec.pkg})`);
      }
      for (const step of spec.before ?? []) runStep(step, dir, undefined);
      const wantsDisplay = spec.args.some((a) => typeof a !== 'string' && a.kind === 'display');
      for (let attempt = 1; ; attempt++) {
        const display = wantsDisplay ? freeDisplay(nextDisplay) : 0;
        const outcome = startOne(spec, dir, env, display);
        if (outcome.kind === 'ready') {
          for (const step of spec.after ?? []) sandboxDisplay = runStep(step, dir, outcome.helper.display) ?? sandboxDisplay;
          (spec.lifetime.kind === 'none' ? oneShots : running).push(outcome.helper);
          if (outcome.syncFd !== undefined) {
            if (syncFd !== undefined) throw new TypeError('a plan has at most one helper with an fd lifetime (bwrap takes one --sync-fd)');
            syncFd = outcome.syncFd;
          }
          break;
        }
        // A display number another server took since we looked: try the next one.
        if (wantsDisplay && outcome.kind === 'failed' && attempt < DISPLAY_ATTEMPTS) {
          nextDisplay = display + 1;
          continue;
        }
        throw new HostError(`${spec.name} ${outcome.message}; the sandbox was not started${logTail(`${dir}/${spec.name}.log`)}`);
      }
    }
    // Inherited from here on: through env and tini into bwrap, which holds it while the sandbox lives.
    if (syncFd !== undefined && libc().fcntl(syncFd, F_SETFD, 0) < 0) throw new SyscallError('fcntl(F_SETFD)', errno(), 'sync fd');
  } catch (e) {
    abort();
    throw e;
  }
  return { helpers: running, oneShots, ...(syncFd !== undefined ? { syncFd } : {}), ...(sandboxDisplay !== undefined ? { display: sandboxDisplay } : {}), abort };
}

type Outcome =
  | { readonly kind: 'ready'; readonly helper: RunningHelper; readonly syncFd?: number }
  | { readonly kind: 'failed' | 'timeout'; readonly message: string };

/** Spawns one helper and waits until it is ready, has failed, or has run out of time. */
function startOne(spec: HelperSpec, dir: string, env: readonly string[], display: number): Outcome {
  const argsFd = spec.argsFile === undefined
    ? undefined
    : memfdWithData(`kiln-${spec.name}-args`, encoder.encode(spec.argsFile.map((a) => `${resolveArg(a, dir, display)}\0`).join('')), false);
  const program = [spec.path, ...spec.args.map((a) => resolveArg(a, dir, display))];
  const argv = spec.lifetime.kind === 'parent' ? [spec.lifetime.setpriv, '--pdeathsig', 'TERM', '--', ...program] : program;
  // The mount point as the mount table will name it (made by the helper's `mkdir` step).
  const mountPoint = spec.readiness.kind === 'mount' ? (realPath(`${dir}/${spec.readiness.name}`) ?? `${dir}/${spec.readiness.name}`) : undefined;
  const [readyR, readyW] = makePipe();
  const t0 = performance.now();
  let pid: number;
  try {
    pid = spawnHelper(spec, argv, helperEnv(spec, env, (a) => resolveArg(a, dir, display)), readyW, argsFd, `${dir}/${spec.name}.log`);
  } catch (e) {
    libc().close(readyR);
    throw e;
  } finally {
    // Only the helper holds the write end now: when it exits, the read below ends.
    libc().close(readyW);
    if (argsFd !== undefined) libc().close(argsFd);
  }
  if (spec.readiness.kind === 'started') {
    libc().close(readyR);
    return { kind: 'ready', helper: { name: spec.name, spec, pid, startMs: performance.now() - t0 } };
  }
  const ready = awaitReady(spec, readyR, mountPoint);
  const startMs = performance.now() - t0;
  if (spec.readiness.kind === 'exit' && ready === 'eof') {
    libc().close(readyR);
    const status = reap(pid);
    if (status === 'exit status 0') return { kind: 'ready', helper: { name: spec.name, spec, pid, startMs } };
    return { kind: 'failed', message: `failed (${status})` };
  }
  if (ready === 'eof' || ready === 'timeout') {
    libc().close(readyR);
    const status = stopHelper(spec, pid);
    return ready === 'timeout'
      ? { kind: 'timeout', message: `was not ready after ${spec.readyTimeoutMs / 1000} s` }
      : { kind: 'failed', message: `failed to start (${status})` };
  }
  const helper: RunningHelper = { name: spec.name, spec, pid, startMs, ...(ready.display !== undefined ? { display: ready.display } : {}) };
  if (spec.lifetime.kind === 'fd') return { kind: 'ready', helper, syncFd: readyR };
  libc().close(readyR);
  return { kind: 'ready', helper };
}
