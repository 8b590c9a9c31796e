/**
 * Synchronous file primitives over libc: read a file, stat a path, list a directory, write to an fd.
 * Absence is data, not an exception: functions that look things up return undefined for ENOENT/ENOTDIR,
 * and throw SyscallError for anything else.
 */
import { SyscallError } from '../errors.ts';
import { CString } from 'bun:ffi';
import { cString, errno, libc, ptr } from './libc.ts';

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const STATX_BASIC_STATS = 0x7ff;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000; // the same on x86_64 and aarch64
const ENOENT = 2;
const ENOTDIR = 20;
const EINTR = 4;
const EACCES = 13;

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface Stat {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: bigint;
  readonly dev: number;
  readonly isFile: boolean;
  readonly isDir: boolean;
  readonly isSymlink: boolean;
}

/** `statx` on a path; follows symlinks unless `noFollow`. undefined if the path does not exist. */
// struct statx is the same on every architecture, unlike struct stat. One buffer serves every call:
// JavaScript is single-threaded and the result is decoded before the next call.
const statxBuf = new Uint8Array(256);
const statxView = new DataView(statxBuf.buffer);

export function stat(path: string, noFollow = false): Stat | undefined {
  const buf = statxBuf;
  const rc = libc().statx(AT_FDCWD, ptr(cString(path)), noFollow ? AT_SYMLINK_NOFOLLOW : 0, STATX_BASIC_STATS, ptr(buf));
  if (rc !== 0) {
    const e = errno();
    if (e === ENOENT || e === ENOTDIR) return undefined;
    throw new SyscallError('statx', e, path);
  }
  const v = statxView;
  const mode = v.getUint16(28, true);
  const type = mode & S_IFMT;
  return {
    mode,
    uid: v.getUint32(20, true),
    gid: v.getUint32(24, true),
    ino: v.getBigUint64(32, true),
    size: Number(v.getBigUint64(40, true)),
    mtimeMs: Number(v.getBigInt64(112, true)) * 1000 + v.getUint32(120, true) / 1e6,
    dev: v.getUint32(136, true) * 0x100000 + v.getUint32(140, true),
    isFile: type === S_IFREG,
    isDir: type === S_IFDIR,
    isSymlink: type === S_IFLNK,
  };
}

const STATX_MNT_ID = 0x1000;
const STATX_ATTR_MOUNT_ROOT = 0x2000n;

/**
 * The id of the mount `path` is on (as in /proc/self/mountinfo) and whether `path` is that mount's root,
 * without following a final symlink; undefined if the path does not exist. NOTE: mountinfo also lists
 * mounts that later mounts cover; only statx tells which one a path actually reaches.
 */
export function mountOf(path: string): { mntId: number; isRoot: boolean } | undefined {
  const rc = libc().statx(AT_FDCWD, ptr(cString(path)), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_MNT_ID, ptr(statxBuf));
  if (rc !== 0) {
    const e = errno();
    if (e === ENOENT || e === ENOTDIR) return undefined;
    throw new SyscallError('statx', e, path);
  }
  const v = statxView;
  return { mntId: Number(v.getBigUint64(144, true)), isRoot: (v.getBigUint64(8, true) & STATX_ATTR_MOUNT_ROOT) !== 0n };
}

function openRead(path: string): number | undefined {
  const fd = libc().open(ptr(cString(path)), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    const e = errno();
    if (e === ENOENT || e === ENOTDIR) return undefined;
    throw new SyscallError('open', e, path);
  }
  return fd;
}

/**
 * The bytes of a file, or undefined if it does not exist. Reads at most `limit` bytes and reports
 * `truncated` beyond that, so a huge or endless file (a FIFO, /dev/zero) cannot exhaust memory.
 */
export function readBytes(path: string, limit = 64 * 1024 * 1024): { bytes: Uint8Array; truncated: boolean } | undefined {
  const fd = openRead(path);
  if (fd === undefined) return undefined;
  const l = libc();
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(65536, limit - total + 1));
      const n = Number(l.read(fd, ptr(chunk), chunk.length));
      if (n < 0) {
        const e = errno();
        if (e === EINTR) continue;
        throw new SyscallError('read', e, path);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) break;
    }
    const bytes = Buffer.concat(chunks);
    return total > limit ? { bytes: bytes.subarray(0, limit), truncated: true } : { bytes, truncated: false };
  } finally {
    l.close(fd);
  }
}

const utf8 = new TextDecoder('utf-8');

/** A file's text (UTF-8, invalid bytes replaced), or undefined if it does not exist. */
export function readText(path: string): string | undefined {
  const r = readBytes(path);
  return r === undefined ? undefined : utf8.decode(r.bytes);
}

export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_LNK = 10;

export interface DirEntry {
  readonly name: string;
  /** d_type: DT_DIR, DT_REG, DT_LNK, or 0 when the file system does not say. */
  readonly type: number;
}

/** The entries of a directory, without `.` and `..`; undefined if it does not exist. */
export function listDir(path: string): DirEntry[] | undefined {
  const fd = openRead(path);
  if (fd === undefined) return undefined;
  const l = libc();
  const out: DirEntry[] = [];
  const buf = direntBuf;
  try {
    for (;;) {
      const n = Number(l.getdents64(fd, ptr(buf), buf.length));
      if (n < 0) {
        const e = errno();
        if (e === EINTR) continue;
        if (e === ENOTDIR) return undefined;
        throw new SyscallError('getdents64', e, path);
      }
      if (n === 0) break;
      // struct linux_dirent64 { u64 ino; s64 off; u16 reclen; u8 type; char name[]; }
      for (let off = 0; off < n; ) {
        const reclen = buf.readUInt16LE(off + 16);
        const type = buf[off + 18] ?? 0;
        const end = buf.indexOf(0, off + 19);
        // NOTE: Buffer's native UTF-8 slice; a TextDecoder call per name cost ~1 ms per 1,000 entries.
        const name = buf.toString('utf8', off + 19, end < 0 || end > off + reclen ? off + reclen : end);
        if (name !== '.' && name !== '..') out.push({ name, type });
        off += reclen;
      }
    }
    return out;
  } finally {
    l.close(fd);
  }
}

/** One buffer for every directory read: JavaScript is single-threaded and entries are copied out. */
const direntBuf = Buffer.alloc(32768);

const encoder = new TextEncoder();

/** Writes all of `text` to an fd (used for stderr messages; no stream machinery). */
export function writeAll(fd: number, text: string | Uint8Array): void {
  const bytes = typeof text === 'string' ? encoder.encode(text) : text;
  const l = libc();
  let off = 0;
  while (off < bytes.length) {
    const chunk = bytes.subarray(off);
    const n = Number(l.write(fd, ptr(chunk), chunk.length));
    if (n < 0) {
      const e = errno();
      if (e === EINTR) continue;
      throw new SyscallError('write', e, `fd ${fd}`);
    }
    off += n;
  }
}

export function isExecutableFile(path: string): boolean {
  const st = stat(path);
  // NOTE: mode bits only; the kernel has the last word at execve time.
  return st !== undefined && st.isFile && (st.mode & 0o111) !== 0;
}

/** The canonical absolute path (symlinks resolved), or undefined if the path or a link target is missing. */
export function realPath(path: string): string | undefined {
  const l = libc();
  const p = l.realpath(ptr(cString(path)), null);
  if (p === null) {
    const e = errno();
    // EACCES: a directory on the way is closed to the caller, so nothing there concerns its sandbox.
    if (e === ENOENT || e === ENOTDIR || e === 40 /* ELOOP */ || e === EACCES) return undefined;
    throw new SyscallError('realpath', e, path);
  }
  try {
    return new CString(p).toString();
  } finally {
    l.free(p);
  }
}
