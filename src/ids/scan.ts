/**
 * Walks the configured paths and records each one (entry.ts): regular files by their SHA-256, symlinks by
 * their text (never followed), directories recursively, FIFOs, sockets and devices by kind only (never
 * opened). Paths travel as bytes, so a name that is not UTF-8 is still checked (paths.ts escapes it).
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { hasGlob, matchComponent } from '../plan/glob.ts';
import type { Entry } from './entry.ts';
import { escapeName, isExcluded } from './paths.ts';

/** How far below a configured directory the scan goes; deeper directories are recorded, not entered. */
export const MAX_DEPTH = 32;

/** Something the scan could not look into; the path is recorded as far as it could be. */
export interface ScanProblem {
  readonly path: string;
  readonly reason: string;
}

export interface Scan {
  readonly entries: Map<string, Entry>;
  readonly problems: readonly ScanProblem[];
  /** Regular files hashed. */
  readonly hashed: number;
}

const CHUNK = 1 << 20;
const SLASH = Buffer.from('/');

function code(e: unknown): string {
  const c = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof c === 'string' ? c : e instanceof Error ? e.message : String(e);
}

function specialKind(st: Stats): 'fifo' | 'socket' | 'char' | 'block' {
  return st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'char' : 'block';
}

function meta(path: string, st: Stats): { path: string; mode: number; uid: number; gid: number } {
  return { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/**
 * One regular file's entry. NOTE: opened O_NONBLOCK and O_NOFOLLOW, then checked with fstat, so that a
 * file swapped for a FIFO or a symlink after the lstat cannot block the scan or lead it elsewhere
 * (Firejail 0.9.72's --ids-init hangs on a FIFO in a scanned directory).
 */
function hashFile(raw: Buffer, path: string, buf: Buffer): Entry {
  let fd: number;
  try {
    fd = openSync(raw, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY);
  } catch (e) {
    const st = lstatSync(raw, { throwIfNoEntry: false });
    if (st === undefined) throw e; // gone since the directory was read: the caller skips it
    return { ...meta(path, st), type: 'file', unreadable: code(e) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ...meta(path, st), type: 'special', kind: specialKind(st) };
    const hasher = new Bun.CryptoHasher('sha256');
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, CHUNK, null);
        if (n === 0) break;
        hasher.update(buf.subarray(0, n));
      }
    } catch (e) {
      return { ...meta(path, st), type: 'file', unreadable: code(e) };
    }
    return { ...meta(path, st), type: 'file', sha256: hasher.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** A configured pattern's matches, as (bytes, escaped path) pairs; glob components are matched per name. */
function expandRoot(pattern: string): { raw: Buffer; path: string }[] {
  let current: { raw: Buffer; path: string }[] = [{ raw: Buffer.alloc(0), path: '' }];
  for (const part of pattern.split('/').slice(1)) {
    if (part === '') continue;
    const next: { raw: Buffer; path: string }[] = [];
    for (const dir of current) {
      if (!hasGlob(part)) {
        next.push({ raw: Buffer.concat([dir.raw, SLASH, Buffer.from(part)]), path: `${dir.path}/${escapeName(Buffer.from(part))}` });
        continue;
      }
      let names: Buffer[];
      try {
        names = readdirSync(dir.raw.length === 0 ? SLASH : dir.raw, { encoding: 'buffer' });
      } catch {
        continue; // glob(3) likewise matches nothing in a directory it cannot read
      }
      for (const name of names.sort(Buffer.compare)) {
        const shown = escapeName(name);
        if (matchComponent(part, shown)) next.push({ raw: Buffer.concat([dir.raw, SLASH, name]), path: `${dir.path}/${shown}` });
      }
    }
    current = next;
  }
  return current.map((c) => (c.raw.length === 0 ? { raw: SLASH, path: '/' } : c));
}

/** Scans every configured path, skipping excluded ones; paths listed twice are scanned once. */
export function scanPaths(paths: readonly string[], exclude: readonly string[]): Scan {
  const entries = new Map<string, Entry>();
  const problems: ScanProblem[] = [];
  const buf = Buffer.allocUnsafe(CHUNK);
  let hashed = 0;

  const visit = (raw: Buffer, path: string, depth: number): void => {
    if (entries.has(path) || isExcluded(path, exclude)) return;
    let st: Stats | undefined;
    try {
      st = lstatSync(raw, { throwIfNoEntry: false });
    } catch (e) {
      // ENOTDIR: a configured path runs through a file; EACCES: a directory on the way is closed to us.
      if (code(e) !== 'ENOTDIR') problems.push({ path, reason: code(e) });
      return;
    }
    if (st === undefined) return; // not there (or removed since its directory was read)
    if (st.isSymbolicLink()) {
      let target: Buffer;
      try {
        target = readlinkSync(raw, { encoding: 'buffer' });
      } catch (e) {
        if (code(e) !== 'ENOENT') problems.push({ path, reason: code(e) });
        return;
      }
      entries.set(path, { ...meta(path, st), type: 'symlink', target: escapeName(target) });
    } else if (st.isFile()) {
      let entry: Entry;
      try {
        entry = hashFile(raw, path, buf);
      } catch {
        return; // removed between the lstat and the open
      }
      if (entry.type === 'file' && entry.unreadable !== undefined) problems.push({ path, reason: entry.unreadable });
      if (entry.type === 'file' && entry.sha256 !== undefined) hashed++;
      entries.set(path, entry);
    } else if (st.isDirectory()) {
      if (depth >= MAX_DEPTH) {
        const reason = `more than ${MAX_DEPTH} levels deep`;
        problems.push({ path, reason });
        entries.set(path, { ...meta(path, st), type: 'dir', unreadable: reason });
        return;
      }
      let names: Buffer[];
      try {
        // NOTE: readdir follows a symlink; one swapped in after the lstat would be listed under this
        // path. Only someone who can already write this directory can do that, and depth stays bounded.
        names = readdirSync(raw, { encoding: 'buffer' });
      } catch (e) {
        problems.push({ path, reason: code(e) });
        entries.set(path, { ...meta(path, st), type: 'dir', unreadable: code(e) });
        return;
      }
      entries.set(path, { ...meta(path, st), type: 'dir' });
      const base = path === '/' ? '' : path;
      const rawBase = path === '/' ? Buffer.alloc(0) : raw;
      for (const name of names.sort(Buffer.compare)) visit(Buffer.concat([rawBase, SLASH, name]), `${base}/${escapeName(name)}`, depth + 1);
    } else {
      entries.set(path, { ...meta(path, st), type: 'special', kind: specialKind(st) });
    }
  };

  for (const pattern of paths) for (const root of expandRoot(pattern)) visit(root.raw, root.path, 0);
  return { entries, problems, hashed };
}
