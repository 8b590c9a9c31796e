/**
 * Starts a plan's helpers before the sandbox: each one with posix_spawn (its own session, default signal
 * dispositions, stdin from /dev/null, only the fds it is given), then waits until it says it is ready.
 * A helper that exits, or is not ready in time, stops the launch: the sandbox never runs without it.
 *
 * Lifetimes (see spec.ts) never depend on kiln remembering a pid: an `fd` helper watches its pipe, whose
 * other end kiln holds until it becomes the supervisor and passes it to bwrap as --sync-fd; a `parent`
 * helper gets SIGKILL from the kernel when kiln's process (later tini) goes. If kiln is SIGKILLed while a
 * helper starts, the pipe closes (or the parent dies) and the helper goes with it.
 */
import { HostError, SyscallError } from '../errors.ts';
import { memfdWithData } from '../launch/fds.ts';
import { cString, cStringArray, errno, libc, ptr } from '../sys/libc.ts';
import { isExecutableFile, readBytes, readText, stat, writeAll } from '../sys/fs.ts';
import { cookieRecord, encodeXauth, wildcardCookies } from '../desktop/xauth.ts';
import { spawnLibc } from './libc-spawn.ts';
import type { HelperArg, HelperSpec, HelperStep } from './spec.ts';

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_APPEND = 0o2000;
const O_CLOEXEC = 0o2000000;
const O_TRUNC = 0o1000;
const O_NOFOLLOW = 0o400000;
const F_SETFD = 2;
const POLLIN = 1;
const EINTR = 4;
const SIGKILL = 9;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
/** The fd numbers the helper sees: its ready pipe, then its arguments' memfd. */
const CHILD_READY_FD = 3;
const CHILD_ARGS_FD = 4;

export interface RunningHelper {
  readonly name: string;
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

const FIRST_DISPLAY = 100;
const DISPLAY_ATTEMPTS = 32;

/**
 * The next display number from `from` on that has neither a socket nor a lock file on the host. The X
 * server takes its lock atomically, so two launches that pick the same number cannot both have it; the
 * loser fails to start and is retried with the next number.
 */
function freeDisplay(from: number): number {
  for (let n = from; ; n++) {
    if (stat(`/tmp/.X11-unix/X${n}`, true) === undefined && stat(`/tmp/.X${n}-lock`, true) === undefined) return n;
  }
}

/** Writes a file readable by the caller only. */
function writePrivate(path: string, data: Uint8Array): void {
  const fd = libc().open(ptr(cString(path)), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600);
  if (fd < 0) throw new SyscallError('open', errno(), path);
  try {
    writeAll(fd, data);
  } finally {
    libc().close(fd);
  }
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  crypto.getRandomValues(b);
  return b;
}

/** Runs a step; a link-x11-socket step returns the sandbox's display number. */
function runStep(step: HelperStep, dir: string, display: number | undefined): number | undefined {
  switch (step.kind) {
    case 'x11-cookie': {
      const cookie = encodeXauth([cookieRecord(randomBytes(16))]);
      writePrivate(`${dir}/xserver-auth`, cookie);
      writePrivate(`${dir}/xauthority`, cookie);
      return undefined;
    }
    case 'link-x11-socket': {
      const host = step.hostDisplay ?? display;
      if (host === undefined) throw new TypeError('link-x11-socket needs a display');
      const link = `${dir}/x11-socket`;
      if (spawnLibc().symlink(ptr(cString(`/tmp/.X11-unix/X${host}`)), ptr(cString(link))) !== 0) throw new SyscallError('symlink', errno(), link);
      return step.hostDisplay === undefined ? host : freeDisplay(FIRST_DISPLAY);
    }
    case 'xauth-wildcard': {
      const file = `${dir}/${step.name}`;
      const bytes = readBytes(file)?.bytes;
      const rewritten = bytes === undefined ? new Uint8Array() : wildcardCookies(bytes);
      if (rewritten.length === 0) throw new HostError(`${file}: xauth wrote no cookie`);
      writePrivate(file, rewritten);
      return undefined;
    }
  }
}

/** The last lines a failed helper wrote to its log, for the error message. */
function logTail(path: string): string {
  const text = readText(path)?.trim() ?? '';
  if (text === '') return '';
  return `:\n  ${text.split('\n').slice(-5).join('\n  ')}`;
}

function helperEnv(spec: HelperSpec, env: readonly string[]): string[] {
  const unset = new Set([...(spec.unsetEnv ?? []), ...(spec.setEnv ?? []).map(([k]) => k)]);
  return [...env.filter((e) => !unset.has(e.slice(0, e.indexOf('=')))), ...(spec.setEnv ?? []).map(([k, v]) => `${k}=${v}`)];
}

function makePipe(): [number, number] {
  const fds = new Int32Array(2);
  if (spawnLibc().pipe2(ptr(fds), O_CLOEXEC) !== 0) throw new SyscallError('pipe2', errno(), 'for a helper');
  return [fds[0] ?? -1, fds[1] ?? -1];
}

/** posix_spawn with the helper's fds in place and nothing else of kiln's. Returns the pid. */
function spawnHelper(spec: HelperSpec, argv: readonly string[], env: readonly string[], readyW: number, argsFd: number | undefined, logFile: string): number {
  const l = spawnLibc();
  // NOTE: glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on x86_64 and arm64;
  // the buffers are larger so that no libc's layout can overrun them.
  const actions = new Uint8Array(512);
  const attr = new Uint8Array(1024);
  const keep: Uint8Array[] = [];
  const check = (what: string, rc: number) => {
    if (rc !== 0) throw new SyscallError(what, rc, spec.name);
  };
  check('posix_spawn_file_actions_init', l.posix_spawn_file_actions_init(ptr(actions)));
  check('posix_spawnattr_init', l.posix_spawnattr_init(ptr(attr)));
  try {
    const open = (fd: number, path: string, flags: number) => {
      const p = cString(path);
      keep.push(p);
      check('posix_spawn_file_actions_addopen', l.posix_spawn_file_actions_addopen(ptr(actions), fd, ptr(p), flags, 0o644));
    };
    open(0, '/dev/null', O_RDONLY);
    if (spec.stdout.kind === 'null') open(1, '/dev/null', O_WRONLY);
    if (spec.stdout.kind === 'file') open(1, spec.stdout.path, O_WRONLY | O_CREAT | O_APPEND);
    open(2, logFile, O_WRONLY | O_CREAT | O_APPEND);
    // NOTE: two steps, through fds no source can be, so that moving one fd into place never clobbers
    // another that is still to be moved.
    const moves: [number, number][] = [[readyW, CHILD_READY_FD]];
    if (argsFd !== undefined) moves.push([argsFd, CHILD_ARGS_FD]);
    moves.forEach(([src], i) => check('posix_spawn_file_actions_adddup2', l.posix_spawn_file_actions_adddup2(ptr(actions), src, 1000 + i)));
    moves.forEach(([, dst], i) => check('posix_spawn_file_actions_adddup2', l.posix_spawn_file_actions_adddup2(ptr(actions), 1000 + i, dst)));
    check('posix_spawn_file_actions_addclosefrom_np', l.posix_spawn_file_actions_addclosefrom_np(ptr(actions), CHILD_READY_FD + moves.length));
    const all = new Uint8Array(128).fill(0xff);
    const none = new Uint8Array(128);
    check('posix_spawnattr_setsigdefault', l.posix_spawnattr_setsigdefault(ptr(attr), ptr(all)));
    check('posix_spawnattr_setsigmask', l.posix_spawnattr_setsigmask(ptr(attr), ptr(none)));
    // Its own session: no terminal, and no Ctrl-C or job-control signal meant for the program.
    check('posix_spawnattr_setflags', l.posix_spawnattr_setflags(ptr(attr), POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID));
    const pid = new Int32Array(1);
    const file = cString(argv[0] ?? '');
    const args = cStringArray(argv);
    const envp = cStringArray(env);
    const rc = l.posix_spawn(ptr(pid), ptr(file), ptr(actions), ptr(attr), ptr(args.array), ptr(envp.array));
    void args.keep.length;
    void envp.keep.length;
    if (rc !== 0) {
      const what = spec.stdout.kind === 'file' ? ` (or open ${spec.stdout.path})` : '';
      throw new HostError(`cannot start ${spec.name}${what}: ${new SyscallError('posix_spawn', rc).message.replace(/^posix_spawn: /, '')}`);
    }
    return pid[0] ?? -1;
  } finally {
    l.posix_spawn_file_actions_destroy(ptr(actions));
    l.posix_spawnattr_destroy(ptr(attr));
    void keep.length;
  }
}

/** Reads what the helper writes to its ready pipe until it is ready; undefined if it closed the pipe or timed out. */
function awaitReady(spec: HelperSpec, fd: number): { display?: number } | 'eof' | 'timeout' {
  const l = spawnLibc();
  const deadline = performance.now() + spec.readyTimeoutMs;
  const pfd = new Int32Array(2);
  const buf = new Uint8Array(64);
  let text = '';
  for (;;) {
    const left = Math.max(0, Math.ceil(deadline - performance.now()));
    pfd[0] = fd;
    pfd[1] = POLLIN;
    const n = l.poll(ptr(pfd), 1, left);
    if (n < 0) {
      if (errno() === EINTR) continue;
      throw new SyscallError('poll', errno(), `${spec.name}'s ready pipe`);
    }
    if (n === 0) return 'timeout';
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
        continue; // it has nothing to say; its exit closes the pipe
      case 'display': {
        text += new TextDecoder().decode(buf.subarray(0, got));
        const m = /^(\d+)\n/.exec(text);
        if (m?.[1] !== undefined) return { display: Number(m[1]) };
        if (text.length > 32) return 'eof';
      }
    }
  }
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
    for (const h of running) killHelper(h.pid);
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
  const [readyR, readyW] = makePipe();
  const t0 = performance.now();
  let pid: number;
  try {
    pid = spawnHelper(spec, argv, helperEnv(spec, env), readyW, argsFd, `${dir}/${spec.name}.log`);
  } catch (e) {
    libc().close(readyR);
    throw e;
  } finally {
    // Only the helper holds the write end now: when it exits, the read below ends.
    libc().close(readyW);
    if (argsFd !== undefined) libc().close(argsFd);
  }
  const ready = awaitReady(spec, readyR);
  const startMs = performance.now() - t0;
  if (spec.readiness.kind === 'exit' && ready === 'eof') {
    libc().close(readyR);
    const status = reap(pid);
    if (status === 'exit status 0') return { kind: 'ready', helper: { name: spec.name, pid, startMs } };
    return { kind: 'failed', message: `failed (${status})` };
  }
  if (ready === 'eof' || ready === 'timeout') {
    libc().close(readyR);
    const status = killHelper(pid);
    return ready === 'timeout'
      ? { kind: 'timeout', message: `was not ready after ${spec.readyTimeoutMs / 1000} s` }
      : { kind: 'failed', message: `failed to start (${status})` };
  }
  const helper: RunningHelper = { name: spec.name, pid, startMs, ...(ready.display !== undefined ? { display: ready.display } : {}) };
  if (spec.lifetime.kind === 'fd') return { kind: 'ready', helper, syncFd: readyR };
  libc().close(readyR);
  return { kind: 'ready', helper };
}
