/**
 * A read-only view of the host file system for the planner. Planning asks it questions (does this path
 * exist, what is it, where does it really point, what is in this directory) instead of touching the
 * file system itself, so a plan is a pure function of the policy and this view, and golden tests can
 * hand the planner an in-memory view. Answers are cached: a launch asks about each path once.
 */
import { SyscallError } from '../errors.ts';
import { listDir, noteAbsent, noteGlob, readBytes, readLink, readRange, realPath, stat, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../sys/fs.ts';

export type PathType = 'file' | 'dir' | 'symlink' | 'other';

export interface PathInfo {
  readonly type: PathType;
  readonly uid: number;
  readonly mode: number;
}

export interface FsView {
  /** lstat: the path itself, not what a final symlink points to. undefined if it does not exist. */
  lstat(path: string): PathInfo | undefined;
  /** The canonical path, or undefined if the path (or a symlink on the way) leads nowhere. */
  realpath(path: string): string | undefined;
  /** A symlink's target as written; undefined if `path` is not a symlink. */
  readlink(path: string): string | undefined;
  /** Entry names of a directory, sorted; undefined if it is not a readable directory. */
  list(dir: string): readonly string[] | undefined;
  /** The entries of `dir` that match one glob component (see plan/glob.ts), sorted. */
  glob(dir: string, pattern: string, match: (name: string) => boolean): readonly string[];
  /** Up to `limit` bytes of a file's contents; undefined if it cannot be read. */
  read(path: string, limit: number): Uint8Array | undefined;
  /** Up to `length` bytes of a file from `offset` on (fewer past its end); undefined if it cannot be read. */
  readAt(path: string, offset: number, length: number): Uint8Array | undefined;
}

function typeOf(mode: number): PathType {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'file';
    case S_IFDIR:
      return 'dir';
    case S_IFLNK:
      return 'symlink';
    default:
      return 'other';
  }
}

const EACCES = 13;

/** After this many lookups in one directory, the view lists it once and answers misses from the list. */
const LIST_AFTER = 3;

/** The real host, through libc, with answers cached for the life of the view. */
export function hostFsView(): FsView {
  const lstats = new Map<string, PathInfo | undefined>();
  const reals = new Map<string, string | undefined>();
  const lists = new Map<string, readonly string[] | undefined>();
  const names = new Map<string, ReadonlySet<string> | undefined>();
  const lookups = new Map<string, number>();
  const softLists = new Map<string, readonly string[] | undefined>();
  /** A listing whose use is recorded by what is concluded from it (absent names, glob matches). */
  const softList = (dir: string): readonly string[] | undefined => {
    if (!softLists.has(dir)) {
      let entries: string[] | undefined;
      try {
        entries = listDir(dir, true)?.map((e) => e.name).sort();
      } catch (e) {
        if (!(e instanceof SyscallError)) throw e;
        entries = undefined; // unreadable (EACCES)
      }
      softLists.set(dir, entries);
    }
    return softLists.get(dir);
  };
  const listNames = (dir: string): ReadonlySet<string> | undefined => {
    if (!names.has(dir)) {
      const entries = softList(dir);
      names.set(dir, entries === undefined ? undefined : new Set(entries));
    }
    return names.get(dir);
  };
  /**
   * Whether `path` certainly does not exist, judged from its directory's listing. NOTE: profiles name
   * thousands of paths that do not exist (disable-programs.inc alone has ~1,000 blacklists, mostly in
   * $HOME); one getdents per busy directory replaces hundreds of statx calls.
   */
  const knownAbsent = (path: string): boolean => {
    const slash = path.lastIndexOf('/');
    if (slash <= 0) return false;
    const dir = path.slice(0, slash);
    const n = (lookups.get(dir) ?? 0) + 1;
    lookups.set(dir, n);
    if (n < LIST_AFTER && !names.has(dir)) return false;
    if (view.lstat(dir) === undefined) return true;
    const set = listNames(dir);
    const name = path.slice(slash + 1);
    if (set === undefined || set.has(name)) return false;
    noteAbsent(dir, name);
    return true;
  };
  const view: FsView = {
    lstat(path) {
      if (!lstats.has(path)) {
        if (knownAbsent(path)) {
          lstats.set(path, undefined);
          return undefined;
        }
        let st: ReturnType<typeof stat>;
        try {
          st = stat(path, true);
        } catch (e) {
          // A path behind a directory the caller cannot search is out of its sandbox's reach too.
          if (!(e instanceof SyscallError && e.errno === EACCES)) throw e;
          st = undefined;
        }
        lstats.set(path, st === undefined ? undefined : { type: typeOf(st.mode), uid: st.uid, mode: st.mode & 0o7777 });
      }
      return lstats.get(path);
    },
    realpath(path) {
      if (!reals.has(path)) reals.set(path, realPath(path));
      return reals.get(path);
    },
    readlink(path) {
      return view.lstat(path)?.type === 'symlink' ? readLink(path) : undefined;
    },
    list(dir) {
      if (!lists.has(dir)) {
        let entries: string[] | undefined;
        try {
          entries = listDir(dir)?.map((e) => e.name).sort();
        } catch (e) {
          if (!(e instanceof SyscallError)) throw e;
          entries = undefined; // unreadable (EACCES): nothing a glob could match there
        }
        lists.set(dir, entries);
      }
      return lists.get(dir);
    },
    glob(dir, pattern, match) {
      const matches = (softList(dir) ?? []).filter(match);
      noteGlob(dir, pattern, matches);
      return matches;
    },
    read(path, limit) {
      try {
        return readBytes(path, limit)?.bytes;
      } catch (e) {
        if (e instanceof SyscallError) return undefined; // unreadable: treated like absent
        throw e;
      }
    },
    readAt(path, offset, length) {
      try {
        return readRange(path, offset, length);
      } catch (e) {
        if (e instanceof SyscallError) return undefined; // unreadable or not seekable: treated like absent
        throw e;
      }
    },
  };
  return view;
}

/** An in-memory view for tests: `files` maps absolute paths to what they are. */
export function fakeFsView(
  entries: Readonly<Record<string, PathType | { readonly symlink: string } | { readonly type: PathType; readonly uid: number }>>,
  contents: Readonly<Record<string, string | Uint8Array>> = {},
): FsView {
  const norm = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);
  const table = new Map<string, PathInfo & { link?: string }>();
  for (const [path, e] of Object.entries(entries)) {
    const info =
      typeof e === 'string'
        ? { type: e, uid: 1000, mode: 0o755 }
        : 'symlink' in e
          ? { type: 'symlink' as const, uid: 1000, mode: 0o777, link: e.symlink }
          : { type: e.type, uid: e.uid, mode: 0o755 };
    table.set(norm(path), info);
    // every ancestor of a listed path is a directory
    for (let p = norm(path); p !== '/'; ) {
      p = p.slice(0, p.lastIndexOf('/')) || '/';
      if (!table.has(p)) table.set(p, { type: 'dir', uid: 0, mode: 0o755 });
    }
  }
  const bytesOf = (path: string): Uint8Array | undefined => {
    const c = contents[path];
    return typeof c === 'string' ? new TextEncoder().encode(c) : c;
  };
  const resolve = (path: string, depth = 0): string | undefined => {
    if (depth > 40) return undefined;
    const parts = norm(path).split('/').filter((x) => x !== '');
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === '.') continue;
      if (parts[i] === '..') {
        cur = cur.slice(0, cur.lastIndexOf('/')); // `cur` has no symlinks left: `..` is its parent, as in the kernel
        continue;
      }
      const next = `${cur}/${parts[i]}`;
      const info = table.get(next);
      if (info === undefined) return undefined;
      if (info.link !== undefined) {
        const target = info.link.startsWith('/') ? info.link : `${cur}/${info.link}`;
        const rest = parts.slice(i + 1).join('/');
        return resolve(rest === '' ? target : `${target}/${rest}`, depth + 1);
      }
      cur = next;
    }
    return cur === '' ? '/' : cur;
  };
  return {
    lstat: (path) => {
      const i = table.get(norm(path));
      return i === undefined ? undefined : { type: i.type, uid: i.uid, mode: i.mode };
    },
    realpath: (path) => resolve(path),
    readlink: (path) => table.get(norm(path))?.link,
    list: (dir) => {
      const d = norm(dir);
      if (table.get(d)?.type !== 'dir') return undefined;
      const prefix = d === '/' ? '/' : `${d}/`;
      return [...table.keys()]
        .filter((p) => p.startsWith(prefix) && p !== d && !p.slice(prefix.length).includes('/'))
        .map((p) => p.slice(prefix.length))
        .sort();
    },
    glob: (dir, _pattern, match) => {
      const d = norm(dir);
      if (table.get(d)?.type !== 'dir') return [];
      const prefix = d === '/' ? '/' : `${d}/`;
      return [...table.keys()]
        .filter((p) => p.startsWith(prefix) && p !== d && !p.slice(prefix.length).includes('/'))
        .map((p) => p.slice(prefix.length))
        .filter(match)
        .sort();
    },
    read: (path, limit) => bytesOf(path)?.subarray(0, limit),
    readAt: (path, offset, length) => bytesOf(path)?.slice(offset, offset + length),
  };
}
