/** Where the registry lives and how entries are written, read and pruned. */
import { SyscallError } from '../errors.ts';
import { listDir, mkdirAll, openForWriting, readText, stat, writeAll } from '../sys/fs.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { parseEntry, type RegistryEntry } from './entry.ts';
import { AT_FDCWD, closeFd, O_DIRECTORY, O_RDONLY, openAt, removeHelperDirAt } from './sys.ts';

/** Field 22 of /proc/PID/stat (start time in clock ticks), or undefined if there is no such process. */
export function processStartTime(pid: number | 'self'): string | undefined {
  let text: string | undefined;
  try {
    text = readText(`/proc/${pid}/stat`);
  } catch (e) {
    // NOTE: a process that exits between open and read fails the read with ESRCH.
    if (e instanceof SyscallError && e.errno === ESRCH) return undefined;
    throw e;
  }
  if (text === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return rest[19];
}

const ENOENT = 2;
const ESRCH = 3;

/** Writes an entry atomically: a temporary file, then rename. */
export function writeEntry(dir: string, entry: RegistryEntry): string {
  const file = `${dir}/${entry.pid}.json`;
  const tmp = `${file}.tmp`;
  let fd: number;
  try {
    fd = openForWriting(tmp, false);
  } catch (e) {
    if (!(e instanceof SyscallError && e.errno === ENOENT)) throw e;
    mkdirAll(dir, 0o700); // first sandbox since boot
    fd = openForWriting(tmp, false);
  }
  try {
    writeAll(fd, JSON.stringify(entry));
  } finally {
    libc().close(fd);
  }
  if (libc().rename(ptr(cString(tmp)), ptr(cString(file))) !== 0) throw new SyscallError('rename', errno(), file);
  return file;
}

/** Prunes dead entries once the directory holds more than a few dozen files, so it cannot grow forever. */
export function pruneIfCrowded(dir: string): void {
  if ((listDir(dir)?.length ?? 0) > 64) readEntries(dir);
}

/** Removes a file; a missing one is fine (another kiln may have pruned it). */
export function removeFile(path: string): void {
  if (libc().unlink(ptr(cString(path))) !== 0 && errno() !== ENOENT) throw new SyscallError('unlink', errno(), path);
}

/**
 * A sandbox's helper directory (the D-Bus proxy's sockets): it outlives the sandbox, whose last process is
 * tini, and goes with the registry entry. Only plain entries are removed, one level deep, never a link.
 * One that cannot be removed yet (squashfuse's mount still on it) stays for the next prune, which finds
 * it without its entry.
 */
export function removeHelperDir(path: string): void {
  const slash = path.lastIndexOf('/');
  const parent = openAt(AT_FDCWD, slash <= 0 ? '/' : path.slice(0, slash), O_RDONLY | O_DIRECTORY);
  if (parent < 0) return;
  try {
    removeHelperDirAt(parent, path.slice(slash + 1));
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
  } finally {
    closeFd(parent);
  }
}

export interface LiveEntry {
  readonly entry: RegistryEntry;
  readonly file: string;
  /** The sandbox's pid 1 on the host, from bwrap's info file, once bwrap has written it. */
  readonly childPid?: number;
}

/** Live entries, oldest first; dead ones are removed on the way. */
export function readEntries(dir: string): LiveEntry[] {
  const out: LiveEntry[] = [];
  const listing = listDir(dir) ?? [];
  const names = new Set(listing.map((e) => e.name));
  for (const e of listing) {
    // A helper directory without an entry (the entry could not be written): gone once its kiln is.
    if (e.name.endsWith('.d') && !names.has(`${e.name.slice(0, -2)}.json`) && processStartTime(Number(e.name.slice(0, -2))) === undefined) {
      removeHelperDir(`${dir}/${e.name}`);
      continue;
    }
    if (!e.name.endsWith('.json')) continue;
    const file = `${dir}/${e.name}`;
    const entry = parseEntry(readText(file) ?? '');
    const pid = Number(e.name.slice(0, -5));
    const alive = entry !== undefined && entry.pid === pid && processStartTime(pid) === entry.startTime;
    if (!alive) {
      // NOTE: a file younger than a second may be a launch that has not renamed into place yet; only
      // complete, dead entries are pruned.
      if (entry !== undefined || (stat(file)?.mtimeMs ?? 0) < Date.now() - 1000) {
        for (const f of [file, `${dir}/${pid}.info`]) removeFile(f);
        removeHelperDir(`${dir}/${pid}.d`);
      }
      continue;
    }
    const info = readText(`${dir}/${pid}.info`);
    const m = info === undefined ? null : /"child-pid":\s*(\d+)/.exec(info);
    out.push({ entry, file, ...(m?.[1] !== undefined ? { childPid: Number(m[1]) } : {}) });
  }
  return out.sort((a, b) => a.entry.started - b.entry.started);
}
