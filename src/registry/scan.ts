/**
 * The sandboxes a caller may see. A user sees the entries in their own registry directories; root sees
 * its own (/run/kiln/sandboxes) and every user's.
 *
 * NOTE: a user's registry is a directory that user controls, so root reads it as untrusted input. Every
 * directory below the known base is opened without following links, every file must be a regular file
 * owned by that user, and an entry counts only if its process is alive and really belongs to that user:
 * a forged entry can at most point root at the user's own processes. Root never prunes or writes there.
 */
import { SyscallError } from '../errors.ts';
import { lookupPasswd } from '../host/facts.ts';
import { listDir } from '../sys/fs.ts';
import { parseEntry, type RegistryEntry } from './entry.ts';
import { processIds, readProc } from './proc.ts';
import { AT_FDCWD, closeFd, ENOENT, fstat, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, openAt, readFd, removeHelperDirAt, unlinkAt } from './sys.ts';

export interface Caller {
  readonly uid: number;
  /** XDG_RUNTIME_DIR, or /run/user/UID (as the launch chooses it). */
  readonly runtimeDir: string;
  readonly home: string;
}

/** A live, validated sandbox. */
export interface Sandbox {
  readonly entry: RegistryEntry;
  /** The registry directory it was found in. */
  readonly dir: string;
  /** Its owner's login name, looked up from the uid (not taken from the entry, which the owner wrote). */
  readonly user: string;
  /** The sandbox's pid 1 on the host, once bwrap has reported it and it checks out. */
  readonly pid1?: number;
}

interface RegistryDir {
  /** A directory that exists and is trusted as far as `owner` (opened following links). */
  readonly base: string;
  /** Components below it, opened without following links. */
  readonly below: readonly string[];
  readonly owner: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MAX_ENTRY_BYTES = 1 << 20;

/** The directories `caller` may read, by owner. */
export function visibleDirs(caller: Caller): RegistryDir[] {
  const own = (uid: number, home: string, runtimeDirs: readonly string[]): RegistryDir[] => [
    ...runtimeDirs.map((base) => ({ base, below: ['kiln', 'sandboxes'], owner: uid })),
    ...(home !== '' && home !== '/' ? [{ base: home, below: ['.cache', 'kiln', 'sandboxes'], owner: uid }] : []),
  ];
  if (caller.uid !== 0) {
    // A user's sandboxes may be in either place, depending on whether the launch had a runtime directory.
    return dedupe(own(caller.uid, caller.home, [caller.runtimeDir, `/run/user/${caller.uid}`]));
  }
  const dirs: RegistryDir[] = [{ base: '/run', below: ['kiln', 'sandboxes'], owner: 0 }];
  // NOTE: a sandbox lives only as long as its owner has a process (the registry anchor), so the owners of
  // running processes are every user whose registry can hold a live entry.
  for (const uid of processOwners()) {
    if (uid === 0) continue;
    dirs.push(...own(uid, lookupPasswd(uid)?.home ?? '', [`/run/user/${uid}`]));
  }
  return dedupe(dirs);
}

function dedupe(dirs: RegistryDir[]): RegistryDir[] {
  const seen = new Set<string>();
  return dirs.filter((d) => {
    const key = [d.base, ...d.below].join('/');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function processOwners(): Set<number> {
  const uids = new Set<number>();
  for (const e of listDir('/proc') ?? []) {
    if (!/^\d+$/.test(e.name)) continue;
    // NOTE: not the owner of /proc/PID, which is root for a process that is not dumpable.
    const ids = processIds(Number(e.name));
    if (ids !== undefined) uids.add(ids.uid);
  }
  return uids;
}

/** Opens a registry directory; undefined if any part is missing, a link, or not owned as expected. */
function openDir(d: RegistryDir): number | undefined {
  let fd = openAt(AT_FDCWD, d.base, O_RDONLY | O_DIRECTORY);
  for (const name of d.below) {
    if (fd < 0) return undefined;
    const next = openAt(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    closeFd(fd);
    fd = next;
  }
  if (fd < 0) return undefined;
  const st = fstat(fd);
  if ((st.mode & S_IFMT) !== S_IFDIR || st.uid !== d.owner) {
    closeFd(fd);
    return undefined;
  }
  return fd;
}

type FileRead = { kind: 'ok'; text: string; mtimeMs: number } | { kind: 'missing' } | { kind: 'foreign' };

/** A regular file owned by `owner`, read without following links or blocking on a FIFO. */
function readOwnedFile(dirFd: number, name: string, owner: number): FileRead {
  const fd = openAt(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (fd === -ENOENT) return { kind: 'missing' };
  if (fd < 0) return { kind: 'foreign' };
  try {
    const st = fstat(fd);
    if ((st.mode & S_IFMT) !== S_IFREG || st.uid !== owner || st.size > MAX_ENTRY_BYTES) return { kind: 'foreign' };
    return { kind: 'ok', text: new TextDecoder().decode(readFd(fd, MAX_ENTRY_BYTES)), mtimeMs: st.mtimeMs };
  } finally {
    closeFd(fd);
  }
}

/** Whether `pid` is alive, started at `startTime`, and is really `uid`'s. */
function isOwnedProcess(pid: number, startTime: string, uid: number): boolean {
  return readProc(pid)?.startTime === startTime && processIds(pid)?.uid === uid;
}

/**
 * The sandbox's pid 1 from bwrap's info file, if it is a process of the owner's that descends from the
 * anchor: bwrap's monitor is its parent, tini (at the anchor's pid) the monitor's; with --timeout,
 * coreutils' timeout stands between tini and the monitor.
 */
function readPid1(dirFd: number, entry: RegistryEntry, owner: number): number | undefined {
  const info = readOwnedFile(dirFd, `${entry.pid}.info`, owner);
  if (info.kind !== 'ok') return undefined;
  const m = /"child-pid":\s*(\d+)/.exec(info.text);
  if (m?.[1] === undefined) return undefined;
  const pid1 = Number(m[1]);
  if (processIds(pid1)?.uid !== owner) return undefined;
  let pid = pid1;
  for (let hops = 0; hops < 3; hops++) {
    const parent = readProc(pid)?.ppid;
    if (parent === undefined) return undefined;
    if (parent === entry.pid) return pid1;
    pid = parent;
  }
  return undefined;
}

/**
 * A dead sandbox's helper directory. One that cannot be removed (something in it that kiln did not put
 * there) stays for the next prune; it must not stop --list, --join or --shutdown from working.
 */
function pruneHelperDir(dirFd: number, name: string): void {
  try {
    removeHelperDirAt(dirFd, name);
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
  }
}

/**
 * Live sandboxes in one directory. When the caller owns it, dead entries are removed on the way (as the
 * launch does), along with leftovers of launches killed before their entry was complete.
 */
function scanDir(d: RegistryDir, prune: boolean, user: string): Sandbox[] {
  const dirFd = openDir(d);
  if (dirFd === undefined) return [];
  const path = [d.base, ...d.below].join('/');
  const out: Sandbox[] = [];
  try {
    const names = listDir(`/proc/self/fd/${dirFd}`) ?? [];
    for (const { name } of names) {
      const m = /^(\d+)\.(json|info|json\.tmp|d)$/.exec(name);
      if (m?.[1] === undefined) continue;
      const pid = Number(m[1]);
      if (m[2] !== 'json') {
        // An info or temporary file, or a helper directory, outlives its launch only if the launch died
        // before its entry was written; the pid tells.
        if (prune && readProc(pid) === undefined && !names.some((n) => n.name === `${pid}.json`)) {
          if (m[2] === 'd') pruneHelperDir(dirFd, name);
          else unlinkAt(dirFd, name);
        }
        continue;
      }
      const file = readOwnedFile(dirFd, name, d.owner);
      if (file.kind !== 'ok') continue;
      const entry = parseEntry(file.text);
      const live = entry !== undefined && entry.pid === pid && entry.uid === d.owner && isOwnedProcess(pid, entry.startTime, d.owner);
      if (live) {
        const pid1 = readPid1(dirFd, entry, d.owner);
        out.push({ entry, dir: path, user, ...(pid1 !== undefined ? { pid1 } : {}) });
        continue;
      }
      // NOTE: an unreadable file younger than a second may be a launch that is still writing; only
      // complete entries whose process is gone are pruned at once.
      if (prune && (entry !== undefined || file.mtimeMs < Date.now() - 1000)) {
        unlinkAt(dirFd, name);
        unlinkAt(dirFd, `${pid}.info`);
        pruneHelperDir(dirFd, `${pid}.d`);
      }
    }
  } finally {
    closeFd(dirFd);
  }
  return out;
}

/** Every live sandbox the caller may see, oldest first. */
export function listSandboxes(caller: Caller): Sandbox[] {
  const names = new Map<number, string>();
  const nameOf = (uid: number) => {
    let n = names.get(uid);
    if (n === undefined) {
      n = lookupPasswd(uid)?.name ?? String(uid);
      names.set(uid, n);
    }
    return n;
  };
  const out = visibleDirs(caller).flatMap((d) => scanDir(d, d.owner === caller.uid, nameOf(d.owner)));
  return out.sort((a, b) => a.entry.started - b.entry.started || a.entry.pid - b.entry.pid);
}
