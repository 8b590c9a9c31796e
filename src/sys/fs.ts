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

/**
 * While a recording is on, what this process looked at: the facts a cached launch plan depends on (see
 * cache/plan-cache.ts). `paths` were stat'ed, read or resolved; `listings` were listed and depend on their
 * whole contents; `absent` names were found missing from a directory; `globs` are a directory's entries
 * matching a pattern. Each is re-checked, as cheaply as it can be, before a cached plan is used.
 */
export interface Recording {
  /** Paths whose existence, type, mode or owner mattered. */
  readonly paths: Set<string>;
  /** Files whose contents mattered. */
  readonly reads: Set<string>;
  readonly listings: Set<string>;
  readonly absent: Map<string, Set<string>>;
  readonly globs: Map<string, { readonly dir: string; readonly pattern: string; readonly matches: readonly string[] }>;
}

let recording: Recording | undefined;

export function startRecording(): () => Recording {
  const r: Recording = { paths: new Set(), reads: new Set(), listings: new Set(), absent: new Map(), globs: new Map() };
  recording = r;
  return () => {
    recording = undefined;
    return r;
  };
}

/** Runs `fn` without recording what it looks at: for reads of kiln's own memos (bwrap's options). */
export function unrecorded<T>(fn: () => T): T {
  const saved = recording;
  recording = undefined;
  try {
    return fn();
  } finally {
    recording = saved;
  }
}

/** A file whose contents matter though kiln did not read it here (the bwrap binary its options came from). */
export function noteContents(path: string): void {
  recording?.reads.add(path);
}

/** A name known to be missing from `dir` (from a listing, without a stat of its own). */
export function noteAbsent(dir: string, name: string): void {
  if (recording === undefined) return;
  const set = recording.absent.get(dir) ?? new Set<string>();
  set.add(name);
  recording.absent.set(dir, set);
}

/** The entries of `dir` matching a glob component. */
export function noteGlob(dir: string, pattern: string, matches: readonly string[]): void {
  recording?.globs.set(`${dir}\0${pattern}`, { dir, pattern, matches });
}

export function stat(path: string, noFollow = false): Stat | undefined {
  recording?.paths.add(path);
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

function openRead(path: string, extraFlags = 0): number | undefined {
  const fd = libc().open(ptr(cString(path)), O_RDONLY | O_CLOEXEC | extraFlags, 0);
  if (fd < 0) {
    const e = errno();
    if (e === ENOENT || e === ENOTDIR) return undefined;
    throw new SyscallError('open', e, path);
  }
  return fd;
}

/** One read(2) into `buf`, retried on EINTR; the byte count (0 at the end). */
function readInto(fd: number, buf: Uint8Array, path: string): number {
  for (;;) {
    const n = Number(libc().read(fd, ptr(buf), buf.length));
    if (n >= 0) return n;
    const e = errno();
    if (e !== EINTR) throw new SyscallError('read', e, path);
  }
}

/**
 * The bytes of a file, or undefined if it does not exist. Reads at most `limit` bytes and reports
 * `truncated` beyond that, so a huge or endless file (a FIFO, /dev/zero) cannot exhaust memory.
 */
export function readBytes(path: string, limit = 64 * 1024 * 1024): { bytes: Uint8Array; truncated: boolean } | undefined {
  recording?.reads.add(path);
  const fd = openRead(path);
  if (fd === undefined) return undefined;
  const l = libc();
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(65536, limit - total + 1));
      const n = readInto(fd, chunk, path);
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

const O_NONBLOCK = 0o4000;
const SEEK_SET = 0;

/**
 * Up to `length` bytes of a file starting at `offset` (fewer at its end), or undefined if it does not
 * exist: a table deep inside a big file (an ELF's dynamic section) without reading what lies before it.
 * NOTE: O_NONBLOCK, so a FIFO in its place cannot hang the caller (its lseek fails with ESPIPE instead).
 */
export function readRange(path: string, offset: number, length: number): Uint8Array | undefined {
  recording?.reads.add(path);
  if (!(length > 0 && offset >= 0 && Number.isSafeInteger(offset + length))) return new Uint8Array();
  const fd = openRead(path, O_NONBLOCK);
  if (fd === undefined) return undefined;
  const l = libc();
  try {
    if (Number(l.lseek(fd, offset, SEEK_SET)) < 0) throw new SyscallError('lseek', errno(), path);
    const out = new Uint8Array(length);
    let total = 0;
    while (total < length) {
      const n = readInto(fd, out.subarray(total), path);
      if (n === 0) break;
      total += n;
    }
    return out.subarray(0, total);
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
export function listDir(path: string, soft = false): DirEntry[] | undefined {
  // `soft`: the caller records what it concluded from the listing (noteAbsent, noteGlob) instead.
  if (!soft) recording?.listings.add(path);
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

/**
 * What a path is, for cache validation, or '-' if it does not exist (or cannot be reached). The node:
 * device, inode, type and permission bits, owner (a replaced or re-linked path gets another inode; chmod
 * and chown show in mode and owner). With `contents`, also mtime, ctime and size, which any write alters.
 * A directory's entries are checked separately (by listing), so its mtime is not part of its node.
 */
export function identity(path: string, contents = false): string {
  const rc = libc().statx(AT_FDCWD, ptr(cString(path)), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, ptr(statxBuf));
  if (rc !== 0) return '-';
  const v = statxView;
  const node = [v.getUint32(136, true), v.getUint32(140, true), v.getBigUint64(32, true), v.getUint16(28, true), v.getUint32(20, true)];
  if (!contents) return node.join(':');
  return [...node, v.getBigInt64(112, true), v.getUint32(120, true), v.getBigInt64(96, true), v.getUint32(104, true), v.getBigUint64(40, true)].join(':');
}

/**
 * The d_type-style file type of `path` (DT_DIR, DT_REG, DT_LNK, …) without following a final symlink, or
 * undefined if it cannot be reached. One statx, not recorded.
 */
export function fileType(path: string): number | undefined {
  const rc = libc().statx(AT_FDCWD, ptr(cString(path)), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, ptr(statxBuf));
  return rc !== 0 ? undefined : (statxView.getUint16(28, true) & S_IFMT) >> 12;
}

/** The later of mtime and ctime, in seconds, or 0: for refusing to cache answers that are too fresh. */
export function changedAt(path: string): number {
  const rc = libc().statx(AT_FDCWD, ptr(cString(path)), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, ptr(statxBuf));
  if (rc !== 0) return 0;
  return Math.max(Number(statxView.getBigInt64(112, true)), Number(statxView.getBigInt64(96, true)));
}

const EEXIST = 17;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;

/** mkdir -p: each missing component created with `mode`; existing ones are left as they are. */
export function mkdirAll(path: string, mode: number): void {
  const l = libc();
  let cur = '';
  for (const part of path.split('/').filter((p) => p !== '')) {
    cur += `/${part}`;
    if (l.mkdir(ptr(cString(cur)), mode) !== 0 && errno() !== EEXIST) throw new SyscallError('mkdir', errno(), cur);
  }
}

/** Opens `path` for writing, created 0600 and truncated; `inherit` leaves close-on-exec off. */
export function openForWriting(path: string, inherit: boolean): number {
  const fd = libc().open(ptr(cString(path)), O_WRONLY | O_CREAT | O_TRUNC | (inherit ? 0 : O_CLOEXEC), 0o600);
  if (fd < 0) throw new SyscallError('open', errno(), path);
  return fd;
}

/**
 * The errors that make a program lookup go on to the next PATH entry rather than fail, as execvp(3) does
 * (plus ELOOP and ENAMETOOLONG, which execvp would report but which equally mean "not here"). EACCES: a
 * directory the caller cannot search, such as root's ~/.cargo/bin left on PATH after `su user`.
 */
const NOT_HERE = new Set([ENOENT, ENOTDIR, EACCES, 19 /* ENODEV */, 36 /* ENAMETOOLONG */, 40 /* ELOOP */, 110 /* ETIMEDOUT */, 116 /* ESTALE */]);

/** Whether `path` is a regular file with an execute bit; false if it cannot be reached (see NOT_HERE). */
export function isExecutableFile(path: string): boolean {
  let st: Stat | undefined;
  try {
    st = stat(path);
  } catch (e) {
    if (e instanceof SyscallError && NOT_HERE.has(e.errno)) return false;
    throw e;
  }
  // NOTE: mode bits only; the kernel has the last word at execve time.
  return st !== undefined && st.isFile && (st.mode & 0o111) !== 0;
}

/** The canonical absolute path (symlinks resolved), or undefined if the path or a link target is missing. */
export function realPath(path: string): string | undefined {
  if (recording !== undefined) {
    // The answer depends on every component: any of them may be (or become) a symlink.
    for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) recording.paths.add(path.slice(0, i));
    recording.paths.add(path);
  }
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

const EINVAL = 22;
const PATH_MAX = 4096;

/** A symlink's target as written, or undefined if `path` is missing or not a symlink. */
export function readLink(path: string): string | undefined {
  // A link's target cannot change in place: a new target is a new inode, which the identity records.
  recording?.paths.add(path);
  const buf = new Uint8Array(PATH_MAX);
  const n = Number(libc().readlink(ptr(cString(path)), ptr(buf), buf.length));
  if (n < 0) {
    const e = errno();
    if (e === ENOENT || e === ENOTDIR || e === EINVAL || e === EACCES) return undefined;
    throw new SyscallError('readlink', e, path);
  }
  return new TextDecoder().decode(buf.subarray(0, n));
}
