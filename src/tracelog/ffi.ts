/**
 * The libc calls only tracelog needs (the launch's socket pair, the init stage's listener, the
 * supervisor), in a table of their own: bun:ffi compiles a table's every symbol when it is opened, and a
 * sandbox without tracelog should not pay for these.
 */
import { dlopen, FFIType } from 'bun:ffi';

const SYMBOLS = {
  socketpair: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  sendmsg: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i64 },
  recvmsg: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i64 },
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  connect: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  send: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
  poll: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
  ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  process_vm_readv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.ptr, FFIType.u64, FFIType.u64], returns: FFIType.i64 },
  open: { args: [FFIType.ptr, FFIType.i32, FFIType.u32], returns: FFIType.i32 },
  readlinkat: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
  // seccomp(2) and openat2(2) have no glibc wrappers.
  syscall: { args: [FFIType.i64, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i64 },
} as const;

export type TracelogLibc = ReturnType<typeof dlopen<typeof SYMBOLS>>['symbols'];
let cached: TracelogLibc | undefined;

export function tracelogLibc(): TracelogLibc {
  cached ??= dlopen('libc.so.6', SYMBOLS).symbols;
  return cached;
}

/** seccomp(2) and openat2(2) by Node's name of the architecture. */
export const SYS_SECCOMP: Readonly<Record<string, number>> = { x64: 317, arm64: 277 };
export const SYS_OPENAT2 = 437;
