/**
 * The canonical path a call in the sandbox reached, resolved from outside as the kernel resolved it for
 * the program: from the task's root (/proc/TID/root), absolute symlinks inside it included
 * (openat2's RESOLVE_IN_ROOT), then named by the kernel (readlink of /proc/self/fd/N, which gives a
 * path in the sandbox's mount namespace, not the host's).
 *
 * Where the kernel cannot walk the whole path (a name inside a hidden, mode 0000 or empty directory, or
 * a file that does not exist), the parent is resolved and the last name appended; a last name that is a
 * symlink the call would follow is followed by hand.
 */
import { cString, ptr } from '../sys/libc.ts';
import { SYS_OPENAT2, tracelogLibc } from './ffi.ts';
import { joinPath, splitLast } from './match.ts';
import { O_NOFOLLOW, O_CLOEXEC, O_PATH } from '../sys/flags.ts';

const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_IN_ROOT = 0x10;
/** The kernel's limit on symlinks in one walk (MAXSYMLINKS). */
const MAX_LINKS = 40;

const linkBuf = new Uint8Array(4096);
const decoder = new TextDecoder();

function readLinkAt(dirfd: number, path: string): string | undefined {
  const n = Number(tracelogLibc().readlinkat(dirfd, ptr(cString(path)), ptr(linkBuf), linkBuf.length));
  return n < 0 ? undefined : decoder.decode(linkBuf.subarray(0, n));
}

/** struct open_how { u64 flags, mode, resolve }. */
const how = new BigUint64Array(3);

function openInRoot(root: number, path: string, follow: boolean): number {
  how[0] = BigInt(O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  how[2] = BigInt(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  return Number(tracelogLibc().syscall(SYS_OPENAT2, BigInt(root), BigInt(ptr(cString(path))), BigInt(ptr(how)), 24n));
}

/** `path` (absolute, as the program named it) as the sandbox's canonical path; undefined if unknowable. */
export function resolveInRoot(root: number, path: string, follow: boolean, links = 0): string | undefined {
  const l = tracelogLibc();
  const fd = openInRoot(root, path, follow);
  if (fd >= 0) {
    const named = readLinkAt(-1, `/proc/self/fd/${fd}`);
    l.close(fd);
    return named?.startsWith('/') === true ? named : undefined;
  }
  const { dir, base } = splitLast(path);
  if (base === '' || links > MAX_LINKS) return undefined;
  const parent = resolveInRoot(root, dir, true, links + 1);
  if (parent === undefined) return undefined;
  if (base === '.' || base === '..') return joinPath(parent, base);
  const here = joinPath(parent, base);
  // The canonical parent holds no symlink, so a walk of it from the root fd stays in the sandbox.
  const target = follow ? readLinkAt(root, here.slice(1) === '' ? '.' : here.slice(1)) : undefined;
  return target === undefined ? here : resolveInRoot(root, joinPath(parent, target), true, links + 1);
}
