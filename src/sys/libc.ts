/**
 * kiln's system-call layer: the libc functions it calls through bun:ffi. kiln does its hot-path I/O here
 * rather than through node:fs, whose module load alone costs more (about 1.7 ms) than this whole table.
 * The symbols are compiled once, on first use.
 */
import { dlopen, FFIType, ptr, read } from 'bun:ffi';

const SYMBOLS = {
  open: { args: [FFIType.ptr, FFIType.i32, FFIType.u32], returns: FFIType.i32 },
  read: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
  write: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
  statx: { args: [FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.u32, FFIType.ptr], returns: FFIType.i32 },
  getdents64: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
  execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  memfd_create: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  lseek: { args: [FFIType.i32, FFIType.i64, FFIType.i32], returns: FFIType.i64 },
  fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
  capget: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  capset: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  getrandom: { args: [FFIType.ptr, FFIType.u64, FFIType.u32], returns: FFIType.i64 },
  unshare: { args: [FFIType.i32], returns: FFIType.i32 },
  setns: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  symlink: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  mount: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  statfs: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  mkdir: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  getrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  setrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  setpriority: { args: [FFIType.i32, FFIType.u32, FFIType.i32], returns: FFIType.i32 },
  sched_setaffinity: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  setgroups: { args: [FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  rename: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  unlink: { args: [FFIType.ptr], returns: FFIType.i32 },
  realpath: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.ptr },
  readlink: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
  chdir: { args: [FFIType.ptr], returns: FFIType.i32 },
  umount2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  free: { args: [FFIType.ptr], returns: FFIType.void },
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  sigaction: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  sigprocmask: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  syscall: { args: [FFIType.i64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i64 },
  dup2: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  posix_openpt: { args: [FFIType.i32], returns: FFIType.i32 },
  grantpt: { args: [FFIType.i32], returns: FFIType.i32 },
  unlockpt: { args: [FFIType.i32], returns: FFIType.i32 },
  ptsname_r: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
  tcgetattr: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  tcsetattr: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  __errno_location: { args: [], returns: FFIType.ptr },
} as const;

/** Landlock's syscalls have the same numbers on every architecture (added after the great unification, 424+). */
export const SYS_landlock_create_ruleset = 444;
export const SYS_landlock_restrict_self = 446;

export type Libc = ReturnType<typeof dlopen<typeof SYMBOLS>>['symbols'];
let cached: Libc | undefined;

export function libc(): Libc {
  cached ??= dlopen('libc.so.6', SYMBOLS).symbols;
  return cached;
}

let errnoPtr: ReturnType<Libc['__errno_location']> | undefined;

/**
 * errno of the last failed libc call. Read it right after the call.
 * NOTE: errno lives at a fixed per-thread address; all FFI calls here happen on the main thread.
 */
export function errno(): number {
  errnoPtr ??= libc().__errno_location();
  return errnoPtr === null ? 0 : read.i32(errnoPtr);
}

const encoder = new TextEncoder();

/** NUL-terminated UTF-8 copy of a string. The caller keeps it alive while C may read it. */
export function cString(s: string): Uint8Array {
  const buf = new Uint8Array(s.length * 3 + 1);
  const { written } = encoder.encodeInto(s, buf);
  buf[written] = 0;
  return buf;
}

/** A NULL-terminated char*[] and the buffers it points into (kept alive by the returned object). */
export function cStringArray(items: readonly string[]): { array: BigUint64Array; keep: Uint8Array[] } {
  const keep = items.map(cString);
  const array = new BigUint64Array(items.length + 1);
  keep.forEach((b, i) => {
    array[i] = BigInt(ptr(b));
  });
  return { array, keep };
}

export { ptr };
