/**
 * kiln's log relay for --output (see output.ts): reads the program's output from fd 3 until the last
 * writer is gone, copies it to stdout, and appends it to the log (fd 4, at `path`). Firejail's rotation:
 * the log stays under 500 KiB; when a write would take it past that, FILE.4 becomes FILE.5 (the old .5
 * goes), and so on down to FILE becoming FILE.1, and a fresh FILE is started.
 */
import { renameSync, fstatSync } from 'node:fs';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW, O_CLOEXEC, EINTR } from '../sys/flags.ts';

export const LOG_LIMIT = 500 * 1024;
export const LOG_KEEP = 5;

/** FILE → FILE.1 → … → FILE.5; the oldest goes. A missing step is no error (a young log has fewer). */
export function rotate(path: string, keep = LOG_KEEP): void {
  for (let i = keep - 1; i >= 0; i--) {
    try {
      renameSync(i === 0 ? path : `${path}.${i}`, `${path}.${i + 1}`);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
  }
}

function writeFully(fd: number, buf: Uint8Array): boolean {
  let off = 0;
  while (off < buf.length) {
    const n = Number(libc().write(fd, ptr(buf, off), buf.length - off));
    if (n < 0) {
      if (errno() === EINTR) continue;
      return false;
    }
    off += n;
  }
  return true;
}

export function runOutputRelay(srcFd: number, path: string): number {
  const l = libc();
  let log = 4;
  let size = fstatSync(log).size;
  let stdoutOpen = true;
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    const n = Number(l.read(srcFd, ptr(buf), buf.length));
    if (n < 0 && errno() === EINTR) continue;
    // End of file (a pipe), or EIO: the pseudo-terminal has no writer left.
    if (n <= 0) return 0;
    const chunk = buf.subarray(0, n);
    // The caller's terminal may have gone (a closed window): the log goes on.
    if (stdoutOpen) stdoutOpen = writeFully(1, chunk);
    // NOTE: a chunk is at most 64 KiB, well under the limit, so one rotation always makes room for it.
    if (size > 0 && size + chunk.length > LOG_LIMIT) {
      l.close(log);
      rotate(path);
      log = l.open(ptr(cString(path)), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644);
      if (log < 0) return 1;
      size = 0;
    }
    if (!writeFully(log, chunk)) return 1;
    size += chunk.length;
  }
}
