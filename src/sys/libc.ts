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
  __errno_location: { args: [], returns: FFIType.ptr },
} as const;

export type Libc = ReturnType<typeof dlopen<typeof SYMBOLS>>['symbols'];
let cached: Libc | undefined;

export function libc(): Libc {
  cached ??= dlopen('libc.so.6', SYMBOLS).symbols;
  return cached;
}

/** errno of the last failed libc call. Read it right after the call. */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : read.i32(p);
}

/** NUL-terminated copy of a string. The caller keeps the Buffer alive while C may read it. */
export function cString(s: string): Buffer {
  return Buffer.from(`${s}\0`);
}

/** A NULL-terminated char*[] and the buffers it points into (kept alive by the returned object). */
export function cStringArray(items: readonly string[]): { array: BigUint64Array; keep: Buffer[] } {
  const keep = items.map(cString);
  const array = new BigUint64Array(items.length + 1);
  keep.forEach((b, i) => {
    array[i] = BigInt(ptr(b));
  });
  return { array, keep };
}

export { ptr };
