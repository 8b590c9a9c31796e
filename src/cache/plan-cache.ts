/**
 * A cache of launch plans. Resolving a large profile and planning its thousands of rules costs a cold
 * JavaScript engine 15–25 ms; the same launch of the same program, with the same profiles, environment
 * and host, yields the same plan. So kiln records what it looked at while planning (sys/fs.ts) and stores
 * the plan with those facts:
 *
 * - a path that exists: its identity (inode, mtime, ctime, size, mode, owner, device), which any change
 *   to a file's contents, mode or owner, or to a directory's entries, alters;
 * - a path that does not exist: its name, which must still be missing from the nearest directory that
 *   does exist (so creating ~/.ssh invalidates a plan that found no ~/.ssh to hide, while creating some
 *   unrelated file in ~ does not);
 * - a glob: the matching entries of its directory, which must still be the same;
 * - a listing used whole: the directory's entries.
 *
 * The next launch re-checks each fact (one statx per path, one getdents per directory); if any differs,
 * it plans afresh. Answers younger than two seconds are not cached, because coarse timestamps could hide a
 * change made in the same tick. The cache lives in kiln's state directory, which every sandbox has
 * hidden, and only files owned by the caller are read.
 */
import { SyscallError } from '../errors.ts';
import { parentOf } from '../plan/tree.ts';
import { changedAt, DT_LNK, fileType, identity, listDir, mkdirAll, openForWriting, readText, stat, writeAll, type DirEntry, type Recording } from '../sys/fs.ts';
import { cString, libc, ptr } from '../sys/libc.ts';

const VERSION = 6;

type Dep =
  /** Entries of a directory that must still exist with the same d_type (dir, file, …). */
  | readonly ['present', string, readonly (readonly [string, number])[]]
  | readonly ['id', string, string]
  | readonly ['content', string, string]
  | readonly ['absent', string, readonly string[]]
  | readonly ['glob', string, string, readonly string[]]
  | readonly ['listing', string, readonly string[]];

interface CacheFile<T> {
  readonly version: number;
  readonly key: string;
  readonly deps: readonly Dep[];
  readonly value: T;
}

export function cacheKey(parts: unknown): string {
  const h = new Bun.CryptoHasher('sha256');
  h.update(JSON.stringify(parts, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  return h.digest('hex');
}

function fileFor(dir: string, key: string): string {
  return `${dir}/${key.slice(0, 32)}.json`;
}

/** A directory's entries; [] if it does not exist; undefined if it cannot be read (nothing confirmed). */
function entries(dir: string): DirEntry[] | undefined {
  try {
    return listDir(dir, true) ?? [];
  } catch {
    return undefined;
  }
}

function names(dir: string): string[] | undefined {
  return entries(dir)?.map((e) => e.name).sort();
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Up to this many names of one directory are checked by statx rather than by listing it. */
const PER_NAME_LIMIT = 32;

/** The glob matching of plan/glob.ts, redone on a fresh listing. */
export type GlobMatcher = (pattern: string, name: string) => boolean;

interface Listing {
  readonly names: readonly string[];
  readonly set: ReadonlySet<string>;
  readonly types: ReadonlyMap<string, number>;
}

function depHolds(d: Dep, match: GlobMatcher, listings: Map<string, Listing | undefined>): boolean {
  const list = (dir: string): Listing | undefined => {
    if (!listings.has(dir)) {
      const e = entries(dir);
      const n = e?.map((x) => x.name).sort();
      listings.set(dir, e === undefined || n === undefined ? undefined : { names: n, set: new Set(n), types: new Map(e.map((x) => [x.name, x.type])) });
    }
    return listings.get(dir);
  };
  const child = (dir: string, name: string) => `${dir === '/' ? '' : dir}/${name}`;
  // A few names in a big directory (/usr/bin, /proc, /etc) are cheaper to check one statx each than by
  // listing the directory: the listing of /usr/bin alone costs a launch 1–2 ms.
  const fewNames = (dir: string, n: number) => n <= PER_NAME_LIMIT && !listings.has(dir);
  switch (d[0]) {
    case 'present': {
      if (fewNames(d[1], d[2].length)) return d[2].every(([n, t]) => fileType(child(d[1], n)) === t);
      const now = list(d[1]);
      return now !== undefined && d[2].every(([n, t]) => now.types.get(n) === t);
    }
    case 'id':
      return identity(d[1]) === d[2];
    case 'content':
      return identity(d[1], true) === d[2];
    case 'absent': {
      // Per name, and for a directory the caller cannot list (another user's home on its PATH): a statx
      // each, which fails alike for a missing path and a path behind a closed directory.
      const now = fewNames(d[1], d[2].length) ? undefined : list(d[1]);
      if (now === undefined) return d[2].every((n) => identity(child(d[1], n)) === '-');
      return d[2].every((n) => !now.set.has(n));
    }
    case 'glob':
      return sameList(list(d[1])?.names.filter((n) => match(d[2], n)), d[3]);
    case 'listing':
      return sameList(list(d[1])?.names, d[2]);
  }
}

/**
 * System directories change only when packages are installed or removed, and nothing there is written
 * in a busy way; for them a directory's mtime (one statx) stands for its entries, instead of re-listing
 * and re-matching the dozens of globs profiles aim at /usr/bin and /usr/share alone.
 */
/** Kernel-provided trees: what kiln reads of them there (modes) is checked by full identity. */
const KERNEL = ['/proc/', '/sys/', '/dev/', '/boot'];

const SYSTEM_DIRS = ['/usr/', '/etc/', '/opt/', '/var/lib/', '/bin/', '/sbin/', '/lib/', '/lib64/'];
function isSystemDir(dir: string): boolean {
  return SYSTEM_DIRS.some((p) => dir.startsWith(p) || `${dir}/` === p);
}

/** The cached value for `key`, if every fact it was made from still holds. */
export function loadCached<T>(dir: string, key: string, uid: number, match: GlobMatcher): T | undefined {
  const file = fileFor(dir, key);
  const st = stat(file);
  if (st === undefined || st.uid !== uid) return undefined;
  let parsed: CacheFile<T>;
  try {
    parsed = JSON.parse(readText(file) ?? '') as CacheFile<T>;
  } catch {
    return undefined; // torn or foreign: plan afresh (and overwrite it)
  }
  if (parsed.version !== VERSION || parsed.key !== key || !Array.isArray(parsed.deps)) return undefined;
  const listings = new Map<string, Listing | undefined>();
  for (const d of parsed.deps) if (!depHolds(d, match, listings)) return undefined;
  return parsed.value;
}

/** Turns a recording into facts to re-check; undefined if some answer is too fresh to trust. */
function depsOf(rec: Recording): Dep[] | undefined {
  const now = Date.now() / 1000;
  const deps: Dep[] = [];
  const absent = new Map<string, Set<string>>();
  const addAbsent = (dir: string, name: string) => absent.set(dir, (absent.get(dir) ?? new Set()).add(name));
  for (const path of rec.reads) {
    const id = identity(path, true);
    if (id === '-') continue; // a missing file read is recorded as a missing path below
    if (changedAt(path) > now - 2) return undefined;
    deps.push(['content', path, id]);
  }
  const present = new Map<string, [string, number][]>();
  const typesOf = new Map<string, Map<string, number> | undefined>();
  const typeIn = (dir: string, name: string) => {
    if (!typesOf.has(dir)) typesOf.set(dir, new Map((entries(dir) ?? []).map((e) => [e.name, e.type])));
    return typesOf.get(dir)?.get(name);
  };
  for (const path of new Set([...rec.paths, ...[...rec.reads].filter((p) => identity(p) === '-')])) {
    const id = identity(path);
    if (id !== '-') {
      // NOTE: most of these are directories and files a profile hides; what the plan needs of them is
      // that they exist and what type they are, which one listing of their directory confirms. Symlinks
      // (whose targets matter), kernel files (whose modes matter) and the root keep a full identity.
      const dir = parentOf(path);
      const name = path.slice(path.lastIndexOf('/') + 1);
      const t = path === '/' || KERNEL.some((k) => path.startsWith(k)) ? undefined : typeIn(dir, name);
      if (t !== undefined && t !== DT_LNK && t !== 0) present.set(dir, [...(present.get(dir) ?? []), [name, t]]);
      else deps.push(['id', path, id]);
      continue;
    }
    // Missing: record the first missing component under the nearest directory that exists.
    let child = path;
    let dir = parentOf(path);
    while (dir !== '/' && identity(dir) === '-') {
      child = dir;
      dir = parentOf(dir);
    }
    addAbsent(dir, child.slice(child.lastIndexOf('/') + 1));
  }
  for (const [dir, set] of rec.absent) for (const n of set) addAbsent(dir, n);
  const byMtime = new Set<string>();
  for (const [dir, list] of present) {
    if (isSystemDir(dir)) byMtime.add(dir);
    else deps.push(['present', dir, list]);
  }
  for (const [dir, set] of absent) {
    if (isSystemDir(dir)) byMtime.add(dir);
    else deps.push(['absent', dir, [...set].sort()]);
  }
  for (const g of rec.globs.values()) {
    if (isSystemDir(g.dir)) byMtime.add(g.dir);
    else deps.push(['glob', g.dir, g.pattern, [...g.matches]]);
  }
  for (const dir of rec.listings) {
    if (isSystemDir(dir)) {
      byMtime.add(dir);
      continue;
    }
    const list = names(dir);
    if (list !== undefined) deps.push(['listing', dir, list]);
  }
  for (const dir of byMtime) {
    const id = identity(dir, true);
    if (id === '-') continue; // a missing directory lists as empty: its absence is checked as a path
    if (changedAt(dir) > now - 2) return undefined;
    deps.push(['content', dir, id]);
  }
  return deps;
}

/** At most this many plans are kept; the least recently written go first. */
const MAX_ENTRIES = 48;

function evict(dir: string): void {
  const files = (listDir(dir, true) ?? []).filter((e) => e.name.endsWith('.json'));
  if (files.length < MAX_ENTRIES) return;
  const aged = files.map((e) => ({ path: `${dir}/${e.name}`, at: stat(`${dir}/${e.name}`)?.mtimeMs ?? 0 })).sort((a, b) => a.at - b.at);
  for (const f of aged.slice(0, files.length - MAX_ENTRIES + 1)) libc().unlink(ptr(cString(f.path)));
}

/** Stores `value` with the facts of `rec`; gives up quietly if anything is too fresh or unwritable. */
export function storeCached(dir: string, key: string, rec: Recording, value: unknown): boolean {
  const deps = depsOf(rec);
  if (deps === undefined) return false;
  const l = libc();
  const file = fileFor(dir, key);
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number;
  try {
    mkdirAll(dir, 0o700);
    evict(dir);
    fd = openForWriting(tmp, false);
  } catch (e) {
    if (e instanceof SyscallError) return false; // an unwritable cache only costs the next launch time
    throw e;
  }
  try {
    writeAll(fd, JSON.stringify({ version: VERSION, key, deps, value } satisfies CacheFile<unknown>));
  } finally {
    l.close(fd);
  }
  return l.rename(ptr(cString(tmp)), ptr(cString(file))) === 0;
}
