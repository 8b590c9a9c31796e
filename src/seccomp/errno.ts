/**
 * Linux errno names and numbers (include/uapi/asm-generic/errno-base.h and errno.h; x86 and arm64 use the
 * generic values). Used by `name:ERRNO`, `seccomp-error-action` and `--debug-errnos`.
 */

/** Primary names, indexed by number; holes (41, 58) are unused numbers. */
const NAMES: readonly (string | undefined)[] = [
  undefined, 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD',
  'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR',
  'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS',
  'EMLINK', 'EPIPE', 'EDOM', 'ERANGE', 'EDEADLK', 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS', 'ENOTEMPTY', 'ELOOP',
  undefined, 'ENOMSG', 'EIDRM', 'ECHRNG', 'EL2NSYNC', 'EL3HLT', 'EL3RST', 'ELNRNG', 'EUNATCH', 'ENOCSI',
  'EL2HLT', 'EBADE', 'EBADR', 'EXFULL', 'ENOANO', 'EBADRQC', 'EBADSLT', undefined, 'EBFONT', 'ENOSTR',
  'ENODATA', 'ETIME', 'ENOSR', 'ENONET', 'ENOPKG', 'EREMOTE', 'ENOLINK', 'EADV', 'ESRMNT', 'ECOMM',
  'EPROTO', 'EMULTIHOP', 'EDOTDOT', 'EBADMSG', 'EOVERFLOW', 'ENOTUNIQ', 'EBADFD', 'EREMCHG', 'ELIBACC', 'ELIBBAD',
  'ELIBSCN', 'ELIBMAX', 'ELIBEXEC', 'EILSEQ', 'ERESTART', 'ESTRPIPE', 'EUSERS', 'ENOTSOCK', 'EDESTADDRREQ', 'EMSGSIZE',
  'EPROTOTYPE', 'ENOPROTOOPT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EOPNOTSUPP', 'EPFNOSUPPORT', 'EAFNOSUPPORT', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ENETDOWN',
  'ENETUNREACH', 'ENETRESET', 'ECONNABORTED', 'ECONNRESET', 'ENOBUFS', 'EISCONN', 'ENOTCONN', 'ESHUTDOWN', 'ETOOMANYREFS', 'ETIMEDOUT',
  'ECONNREFUSED', 'EHOSTDOWN', 'EHOSTUNREACH', 'EALREADY', 'EINPROGRESS', 'ESTALE', 'EUCLEAN', 'ENOTNAM', 'ENAVAIL', 'EISNAM',
  'EREMOTEIO', 'EDQUOT', 'ENOMEDIUM', 'EMEDIUMTYPE', 'ECANCELED', 'ENOKEY', 'EKEYEXPIRED', 'EKEYREVOKED', 'EKEYREJECTED', 'EOWNERDEAD',
  'ENOTRECOVERABLE', 'ERFKILL', 'EHWPOISON',
];

const ALIASES: Readonly<Record<string, number>> = { EWOULDBLOCK: 11, EDEADLOCK: 35, ENOTSUP: 95 };

export const EPERM = 1;
export const ENOSYS = 38;
export const EAFNOSUPPORT = 97;
/** The largest errno a seccomp filter can return (SECCOMP_RET_DATA is 16 bits; the kernel caps at 4095). */
export const MAX_ERRNO = 4095;

let byName: ReadonlyMap<string, number> | undefined;

/** The number of an errno name (`ENOENT`, `enoent`, or a number in range), or undefined. */
export function errnoNumber(name: string): number | undefined {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    return n >= 1 && n <= MAX_ERRNO ? n : undefined;
  }
  if (byName === undefined) {
    const m = new Map<string, number>(Object.entries(ALIASES));
    NAMES.forEach((n, i) => n !== undefined && m.set(n, i));
    byName = m;
  }
  return byName.get(name.toUpperCase());
}

/** The primary name of an errno number, or its decimal form. */
export function errnoName(errno: number): string {
  return NAMES[errno] ?? String(errno);
}

/** Every named errno, by number (primary names, then aliases), as `--debug-errnos` lists them. */
export function listErrnos(): readonly (readonly [errno: number, name: string])[] {
  const out: (readonly [number, string])[] = [];
  NAMES.forEach((n, i) => n !== undefined && out.push([i, n]));
  for (const [n, i] of Object.entries(ALIASES)) out.push([i, n]);
  return out;
}
