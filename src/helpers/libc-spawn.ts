/**
 * The libc calls that only a launch with helpers needs, in a table of their own: bun:ffi compiles every
 * symbol of a table when it is first opened, and a launch without helpers should not pay for these.
 */
import { dlopen, FFIType } from 'bun:ffi';

const SYMBOLS = {
  pipe2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  poll: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
  waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  kill: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  symlink: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  // NOTE: glibc runs posix_spawn as a vfork (CLONE_VM|CLONE_VFORK) and execs at once, which is safe in a
  // process with other threads, as Bun's is; a fork from bun:ffi would not be.
  posix_spawn: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  posix_spawn_file_actions_init: { args: [FFIType.ptr], returns: FFIType.i32 },
  posix_spawn_file_actions_destroy: { args: [FFIType.ptr], returns: FFIType.i32 },
  posix_spawn_file_actions_adddup2: { args: [FFIType.ptr, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  posix_spawn_file_actions_addopen: { args: [FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.u32], returns: FFIType.i32 },
  posix_spawn_file_actions_addclosefrom_np: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  posix_spawnattr_init: { args: [FFIType.ptr], returns: FFIType.i32 },
  posix_spawnattr_destroy: { args: [FFIType.ptr], returns: FFIType.i32 },
  posix_spawnattr_setflags: { args: [FFIType.ptr, FFIType.i16], returns: FFIType.i32 },
  posix_spawnattr_setsigdefault: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  posix_spawnattr_setsigmask: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
} as const;

export type SpawnLibc = ReturnType<typeof dlopen<typeof SYMBOLS>>['symbols'];
let cached: SpawnLibc | undefined;

export function spawnLibc(): SpawnLibc {
  cached ??= dlopen('libc.so.6', SYMBOLS).symbols;
  return cached;
}
