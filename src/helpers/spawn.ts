/**
 * posix_spawn for helpers: the helper's fds in place (its ready pipe at 3, its argument file at 4) and
 * nothing else of kiln's, every signal at its default, in a session of its own, stdin from /dev/null and
 * stderr to its log file.
 */
import { HostError, SyscallError } from '../errors.ts';
import { cString, cStringArray, errno, ptr } from '../sys/libc.ts';
import { spawnLibc } from './libc-spawn.ts';
import type { HelperArg, HelperSpec } from './spec.ts';
import { O_RDONLY, O_WRONLY, O_CREAT, O_APPEND, O_CLOEXEC } from '../sys/flags.ts';

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
/** The fd numbers the helper sees: its ready pipe, then its arguments' memfd. */
export const CHILD_READY_FD = 3;
export const CHILD_ARGS_FD = 4;

export function helperEnv(spec: HelperSpec, env: readonly string[], resolve: (a: HelperArg) => string): string[] {
  const unset = new Set([...(spec.unsetEnv ?? []), ...(spec.setEnv ?? []).map(([k]) => k)]);
  return [...env.filter((e) => !unset.has(e.slice(0, e.indexOf('=')))), ...(spec.setEnv ?? []).map(([k, v]) => `${k}=${resolve(v)}`)];
}

export function makePipe(): [number, number] {
  const fds = new Int32Array(2);
  if (spawnLibc().pipe2(ptr(fds), O_CLOEXEC) !== 0) throw new SyscallError('pipe2', errno(), 'for a helper');
  return [fds[0] ?? -1, fds[1] ?? -1];
}

/** A file the child gets at `fd`, opened by posix_spawn (mode 0644 when created). */
type Open = readonly [fd: number, path: string, flags: number];

/**
 * posix_spawn with `opens` in place, `fds` moved to 3, 4, … and nothing else of kiln's; every signal at
 * its default, in a session of its own (no terminal, and no Ctrl-C or job-control signal meant for the
 * program). Returns the pid, or throws a HostError with `failure(reason)` for a spawn that failed.
 */
function spawnInPlace(argv: readonly string[], env: readonly string[], opens: readonly Open[], fds: readonly number[], name: string, failure: (reason: string) => string): number {
  const l = spawnLibc();
  // NOTE: glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on x86_64 and arm64;
  // the buffers are larger so that no libc's layout can overrun them.
  const actions = new Uint8Array(512);
  const attr = new Uint8Array(1024);
  const keep: Uint8Array[] = [];
  const check = (what: string, rc: number) => {
    if (rc !== 0) throw new SyscallError(what, rc, name);
  };
  check('posix_spawn_file_actions_init', l.posix_spawn_file_actions_init(ptr(actions)));
  check('posix_spawnattr_init', l.posix_spawnattr_init(ptr(attr)));
  try {
    for (const [fd, path, flags] of opens) {
      const p = cString(path);
      keep.push(p);
      check('posix_spawn_file_actions_addopen', l.posix_spawn_file_actions_addopen(ptr(actions), fd, ptr(p), flags, 0o644));
    }
    // NOTE: two steps, through fds no source can be, so that moving one fd into place never clobbers
    // another that is still to be moved.
    fds.forEach((src, i) => check('posix_spawn_file_actions_adddup2', l.posix_spawn_file_actions_adddup2(ptr(actions), src, 1000 + i)));
    fds.forEach((_, i) => check('posix_spawn_file_actions_adddup2', l.posix_spawn_file_actions_adddup2(ptr(actions), 1000 + i, 3 + i)));
    check('posix_spawn_file_actions_addclosefrom_np', l.posix_spawn_file_actions_addclosefrom_np(ptr(actions), 3 + fds.length));
    const all = new Uint8Array(128).fill(0xff);
    const none = new Uint8Array(128);
    check('posix_spawnattr_setsigdefault', l.posix_spawnattr_setsigdefault(ptr(attr), ptr(all)));
    check('posix_spawnattr_setsigmask', l.posix_spawnattr_setsigmask(ptr(attr), ptr(none)));
    check('posix_spawnattr_setflags', l.posix_spawnattr_setflags(ptr(attr), POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID));
    const pid = new Int32Array(1);
    const file = cString(argv[0] ?? '');
    const args = cStringArray(argv);
    const envp = cStringArray(env);
    const rc = l.posix_spawn(ptr(pid), ptr(file), ptr(actions), ptr(attr), ptr(args.array), ptr(envp.array));
    void args.keep.length;
    void envp.keep.length;
    if (rc !== 0) throw new HostError(failure(new SyscallError('posix_spawn', rc).message.replace(/^posix_spawn: /, '')));
    return pid[0] ?? -1;
  } finally {
    l.posix_spawn_file_actions_destroy(ptr(actions));
    l.posix_spawnattr_destroy(ptr(attr));
    void keep.length;
  }
}

/** posix_spawn with the helper's fds in place (ready pipe at 3, argument file at 4) and nothing else of kiln's. Returns the pid. */
export function spawnHelper(spec: HelperSpec, argv: readonly string[], env: readonly string[], readyW: number, argsFd: number | undefined, logFile: string): number {
  const opens: Open[] = [[0, '/dev/null', O_RDONLY]];
  if (spec.stdout.kind === 'null') opens.push([1, '/dev/null', O_WRONLY]);
  if (spec.stdout.kind === 'file') opens.push([1, spec.stdout.path, O_WRONLY | O_CREAT | O_APPEND]);
  opens.push([2, logFile, O_WRONLY | O_CREAT | O_APPEND]);
  const fds = argsFd === undefined ? [readyW] : [readyW, argsFd]; // CHILD_READY_FD, CHILD_ARGS_FD
  const what = spec.stdout.kind === 'file' ? ` (or open ${spec.stdout.path})` : '';
  return spawnInPlace(argv, env, opens, fds, spec.name, (reason) => `cannot start ${spec.name}${what}: ${reason}`);
}

/**
 * posix_spawn of a stage of kiln's own (the network set-up stage): `fds` become 3, 4, … in the child and
 * nothing else of kiln's is inherited but stdin (/dev/null), stdout (/dev/null) and stderr (kiln's). Its
 * own session, every signal at its default. Returns the pid.
 */
export function spawnWithFds(argv: readonly string[], env: readonly string[], fds: readonly number[], what: string): number {
  const opens: Open[] = [[0, '/dev/null', O_RDONLY], [1, '/dev/null', O_WRONLY]];
  return spawnInPlace(argv, env, opens, fds, what, (reason) => `cannot start ${what}: ${reason}`);
}
