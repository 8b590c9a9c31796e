/**
 * The system calls `tracelog` watches: those that name a path the kernel walks (open, exec, stat and
 * their relatives, as Firejail's tracelog library hooks their libc wrappers), with where each keeps its
 * path, its directory fd and what says whether a final symlink is followed. One table serves the BPF
 * filter (which syscalls notify) and the supervisor (how to read one).
 */
import type { Arch } from '../seccomp/arch.ts';
import { syscallNumber } from '../seccomp/syscalls.ts';

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_EMPTY_PATH = 0x1000;
export const O_NOFOLLOW = 0o400000;

/**
 * How a call treats a final symlink: always follows it, never does (lstat, readlink, unlink, mkdir), or
 * as a flag argument says (`bit` set: not followed).
 */
export type Follow =
  | { readonly kind: 'always' }
  | { readonly kind: 'never' }
  | { readonly kind: 'unless'; readonly arg: number; readonly bit: number };

export interface PathSyscall {
  readonly name: string;
  /** The argument holding the path's address. */
  readonly path: number;
  /** The argument holding the directory fd a relative path starts from; absent: the working directory. */
  readonly dirfd?: number;
  readonly follow: Follow;
  /**
   * The flags argument in which AT_EMPTY_PATH means "the fd itself": glibc's fstat is newfstatat(fd, "",
   * AT_EMPTY_PATH), one of the commonest calls there are, so the filter lets these through unasked.
   */
  readonly emptyPathArg?: number;
}

const always: Follow = { kind: 'always' };
const never: Follow = { kind: 'never' };
const unless = (arg: number, bit: number): Follow => ({ kind: 'unless', arg, bit });

export const PATH_SYSCALLS: readonly PathSyscall[] = [
  { name: 'open', path: 0, follow: unless(1, O_NOFOLLOW) },
  { name: 'creat', path: 0, follow: always },
  { name: 'openat', dirfd: 0, path: 1, follow: unless(2, O_NOFOLLOW) },
  // NOTE: openat2's flags sit in a struct in the caller's memory; a final symlink counts as followed.
  { name: 'openat2', dirfd: 0, path: 1, follow: always },
  { name: 'execve', path: 0, follow: always },
  { name: 'execveat', dirfd: 0, path: 1, follow: unless(4, AT_SYMLINK_NOFOLLOW) },
  { name: 'stat', path: 0, follow: always },
  { name: 'lstat', path: 0, follow: never },
  // i386's own forms (a 32-bit program on x86_64).
  { name: 'stat64', path: 0, follow: always },
  { name: 'lstat64', path: 0, follow: never },
  { name: 'newfstatat', dirfd: 0, path: 1, follow: unless(3, AT_SYMLINK_NOFOLLOW), emptyPathArg: 3 },
  { name: 'fstatat64', dirfd: 0, path: 1, follow: unless(3, AT_SYMLINK_NOFOLLOW), emptyPathArg: 3 },
  { name: 'statx', dirfd: 0, path: 1, follow: unless(2, AT_SYMLINK_NOFOLLOW), emptyPathArg: 2 },
  { name: 'access', path: 0, follow: always },
  { name: 'faccessat', dirfd: 0, path: 1, follow: always },
  { name: 'faccessat2', dirfd: 0, path: 1, follow: unless(3, AT_SYMLINK_NOFOLLOW), emptyPathArg: 3 },
  { name: 'readlink', path: 0, follow: never },
  { name: 'readlinkat', dirfd: 0, path: 1, follow: never },
  { name: 'chdir', path: 0, follow: always },
  { name: 'mkdir', path: 0, follow: never },
  { name: 'mkdirat', dirfd: 0, path: 1, follow: never },
  { name: 'rmdir', path: 0, follow: never },
  { name: 'unlink', path: 0, follow: never },
  { name: 'unlinkat', dirfd: 0, path: 1, follow: never },
];

/** The table's calls that exist on `arch`, by number (arm64 has only the *at forms). */
export function pathSyscalls(arch: Arch): Map<number, PathSyscall> {
  const out = new Map<number, PathSyscall>();
  for (const s of PATH_SYSCALLS) {
    const nr = syscallNumber(arch, s.name);
    if (nr !== undefined) out.set(nr, s);
  }
  return out;
}
