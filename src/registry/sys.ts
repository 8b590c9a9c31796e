/**
 * The few system calls the sandbox-management commands need beyond src/sys: directory-relative opens
 * (so that reading another user's registry never follows a link they planted), pidfds (so that a signal
 * reaches the process that was checked, not a recycled pid, and a wait ends when that process does), and
 * reading a whole fd. Loaded only by those
 * commands, never on the launch path.
 */
import { dlopen, FFIType } from 'bun:ffi';
import { SyscallError } from '../errors.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { listDir } from '../sys/fs.ts';

const SYMBOLS = {
  openat: { args: [FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.u32], returns: FFIType.i32 },
  unlinkat: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  poll: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
  // NOTE: libc's syscall(2) is variadic; declaring four arguments makes the fourth (pidfd_send_signal's
  // flags) a defined zero instead of whatever the register held.
  syscall: { args: [FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64], returns: FFIType.i64 },
} as const;

let cached: ReturnType<typeof dlopen<typeof SYMBOLS>>['symbols'] | undefined;
function sys() {
  cached ??= dlopen('libc.so.6', SYMBOLS).symbols;
  return cached;
}

export const O_RDONLY = 0;
export const O_NONBLOCK = 0o4000;
// NOTE: arm64 has its own values for these two (arch/arm64/include/uapi/asm/fcntl.h).
const ARM64 = process.arch === 'arm64';
export const O_DIRECTORY = ARM64 ? 0o40000 : 0o200000;
export const O_NOFOLLOW = ARM64 ? 0o100000 : 0o400000;
export const O_CLOEXEC = 0o2000000;
export const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
const STATX_BASIC_STATS = 0x7ff;
export const ENOENT = 2;
export const ESRCH = 3;
const EINTR = 4;
const EBADF = 9;
const POLLIN = 0x1;
const POLLNVAL = 0x20;

// Syscall numbers from the unified table (Linux 5.1+): the same on every architecture kiln supports.
const SYS_pidfd_send_signal = 424;
const SYS_pidfd_open = 434;

/** openat(2); returns the fd or the negated errno, so that callers can treat ENOENT as data. */
export function openAt(dirFd: number, name: string, flags: number): number {
  const fd = sys().openat(dirFd, ptr(cString(name)), flags | O_CLOEXEC, 0);
  return fd < 0 ? -errno() : fd;
}

export function closeFd(fd: number): void {
  libc().close(fd);
}

/** Removes `name` from a directory fd; a missing one is fine (another kiln may have pruned it). */
export function unlinkAt(dirFd: number, name: string): void {
  if (sys().unlinkat(dirFd, ptr(cString(name)), 0) !== 0 && errno() !== ENOENT) throw new SyscallError('unlinkat', errno(), name);
}

const AT_REMOVEDIR = 0x200;

const EISDIR = 21;
const EBUSY = 16;
const STATX_MNT_ID = 0x1000;

/** The id of the mount an open file is on (statx's stx_mnt_id). */
function mountId(fd: number): number {
  const buf = new Uint8Array(256);
  if (libc().statx(fd, ptr(cString('')), AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_MNT_ID, ptr(buf)) !== 0) throw new SyscallError('statx', errno(), `fd ${fd}`);
  return Number(new DataView(buf.buffer).getBigUint64(144, true));
}
/** How deep a helper directory may go (xpra makes $HOME/.xpra and $XDG_RUNTIME_DIR/xpra in it). */
const HELPER_DIR_DEPTH = 4;

/**
 * Removes a sandbox's helper directory `name` (sockets, cookies, logs, and what xpra makes beneath it)
 * from a directory fd, without following a link at any step; a missing one is fine.
 */
export function removeHelperDirAt(dirFd: number, name: string, depth = 0): void {
  const fd = openAt(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) return;
  try {
    // A mount on it (squashfuse's, while it is still unmounting after its sandbox ended): never walked
    // into, and left, with the directory, for a later prune.
    if (mountId(fd) !== mountId(dirFd)) throw new SyscallError('unlinkat', EBUSY, `${name} (a mount point)`);
    for (const e of listDir(`/proc/self/fd/${fd}`) ?? []) {
      if (sys().unlinkat(fd, ptr(cString(e.name)), 0) === 0 || errno() === ENOENT) continue;
      if (errno() !== EISDIR || depth >= HELPER_DIR_DEPTH) throw new SyscallError('unlinkat', errno(), e.name);
      removeHelperDirAt(fd, e.name, depth + 1);
    }
  } finally {
    closeFd(fd);
  }
  if (sys().unlinkat(dirFd, ptr(cString(name)), AT_REMOVEDIR) !== 0 && errno() !== ENOENT) throw new SyscallError('unlinkat', errno(), name);
}

export interface FdStat {
  readonly mode: number;
  readonly uid: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** statx on an open fd. */
export function fstat(fd: number): FdStat {
  const buf = new Uint8Array(256);
  if (libc().statx(fd, ptr(cString('')), AT_EMPTY_PATH, STATX_BASIC_STATS, ptr(buf)) !== 0) throw new SyscallError('statx', errno(), `fd ${fd}`);
  const v = new DataView(buf.buffer);
  return {
    mode: v.getUint16(28, true),
    uid: v.getUint32(20, true),
    size: Number(v.getBigUint64(40, true)),
    mtimeMs: Number(v.getBigInt64(112, true)) * 1000 + v.getUint32(120, true) / 1e6,
  };
}

/** Reads an fd to its end, or throws past `limit` bytes. */
export function readFd(fd: number, limit: number): Uint8Array {
  const l = libc();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const buf = new Uint8Array(16384);
    const n = Number(l.read(fd, ptr(buf), buf.length));
    if (n < 0) {
      if (errno() === EINTR) continue;
      throw new SyscallError('read', errno(), `fd ${fd}`);
    }
    if (n === 0) return Buffer.concat(chunks);
    total += n;
    if (total > limit) throw new SyscallError('read', 27 /* EFBIG */, `fd ${fd} (more than ${limit} bytes)`);
    chunks.push(buf.subarray(0, n));
  }
}

/** A pidfd for `pid`, or undefined if the process is gone. */
export function pidfdOpen(pid: number): number | undefined {
  const fd = Number(sys().syscall(SYS_pidfd_open, pid, 0, 0, 0));
  if (fd >= 0) return fd;
  if (errno() === ESRCH) return undefined;
  throw new SyscallError('pidfd_open', errno(), `pid ${pid}`);
}

/** Sends `signal` through a pidfd. Returns false if the process has exited meanwhile. */
export function pidfdSignal(pidfd: number, signal: number): boolean {
  if (Number(sys().syscall(SYS_pidfd_send_signal, pidfd, signal, 0, 0)) === 0) return true;
  if (errno() === ESRCH) return false;
  throw new SyscallError('pidfd_send_signal', errno(), `signal ${signal}`);
}

/**
 * Waits until the process behind `pidfd` has exited, for at most `ms` milliseconds; returns whether it has.
 * The kernel makes a pidfd readable when its process exits (a zombie counts), so this returns at once then,
 * without polling /proc.
 */
export function pidfdWait(pidfd: number, ms: number): boolean {
  // struct pollfd { int fd; short events; short revents; }, native (little-endian) byte order.
  const buf = new Uint8Array(8);
  const view = new DataView(buf.buffer);
  const deadline = performance.now() + ms;
  for (;;) {
    view.setInt32(0, pidfd, true);
    view.setInt16(4, POLLIN, true);
    view.setInt16(6, 0, true);
    const n = sys().poll(ptr(buf), 1, Math.max(0, Math.ceil(deadline - performance.now())));
    if (n > 0) {
      if ((view.getInt16(6, true) & POLLNVAL) !== 0) throw new SyscallError('poll', EBADF, `pidfd ${pidfd}`);
      return true;
    }
    if (n === 0) return false;
    if (errno() !== EINTR) throw new SyscallError('poll', errno(), `pidfd ${pidfd}`);
  }
}
