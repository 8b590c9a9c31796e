/** File descriptors for handing data to bwrap, and fd hygiene before exec. */
import { SyscallError } from '../errors.ts';
import { listDir, writeAll } from '../sys/fs.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
const MFD_CLOEXEC = 1;
const EBADF = 9;

/**
 * An anonymous in-memory file holding `data`, positioned at offset 0, for handing bytes to bwrap by fd.
 * `inherit` leaves close-on-exec off so that the fd survives into bwrap.
 */
export function memfdWithData(name: string, data: Uint8Array, inherit: boolean): number {
  const l = libc();
  const fd = l.memfd_create(ptr(cString(name)), inherit ? 0 : MFD_CLOEXEC);
  if (fd < 0) throw new SyscallError('memfd_create', errno(), name);
  try {
    writeAll(fd, data);
  } catch (e) {
    l.close(fd);
    throw e;
  }
  if (Number(l.lseek(fd, 0, 0)) < 0) throw new SyscallError('lseek', errno(), name);
  return fd;
}

/** Sets close-on-exec on an fd. Returns false if the fd is not open. */
function setCloexec(fd: number): boolean {
  const l = libc();
  const flags = l.fcntl(fd, F_GETFD, 0);
  if (flags < 0) {
    const e = errno();
    if (e === EBADF) return false;
    throw new SyscallError('fcntl(F_GETFD)', e, `fd ${fd}`);
  }
  if ((flags & FD_CLOEXEC) === 0 && l.fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
    throw new SyscallError('fcntl(F_SETFD)', errno(), `fd ${fd}`);
  }
  return true;
}

/** Marks every fd above 2 close-on-exec except `keep`. */
export function closeExtraFds(keep: ReadonlySet<number>): void {
  // NOTE: the listing's own directory fd appears in it, but is closed by the time we get to it, so
  // setCloexec reports it as not open.
  for (const entry of listDir('/proc/self/fd') ?? []) {
    const fd = Number(entry.name);
    if (fd > 2 && !keep.has(fd)) setCloexec(fd);
  }
}
