/** What the management commands read from /proc: the process table, owners, command lines, namespaces. */
import { SyscallError } from '../errors.ts';
import { listDir, readText as readFile, stat } from '../sys/fs.ts';

const ESRCH = 3;

/**
 * A /proc file's text, or undefined if the process is gone. NOTE: a process that exits between open and
 * read makes the read fail with ESRCH rather than the open with ENOENT.
 */
export function readText(path: string): string | undefined {
  try {
    return readFile(path);
  } catch (e) {
    if (e instanceof SyscallError && e.errno === ESRCH) return undefined;
    throw e;
  }
}

export interface ProcInfo {
  readonly pid: number;
  /** R, S, D, Z (exited, not yet reaped), … */
  readonly state: string;
  readonly ppid: number;
  /** Field 22 of /proc/PID/stat (start time in clock ticks), as the registry records it. */
  readonly startTime: string;
  /** User plus system CPU time, in clock ticks. */
  readonly cpuTicks: number;
  /** Resident set size, in pages. */
  readonly rssPages: number;
}

/** One process's stat line, or undefined if it has exited. */
export function readProc(pid: number): ProcInfo | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: f[0] ?? '?',
    ppid: Number(f[1]),
    startTime: f[19] ?? '',
    cpuTicks: Number(f[11]) + Number(f[12]),
    rssPages: Number(f[21]),
  };
}

/** Every process on the host (as far as this pid namespace sees). */
export function processTable(): Map<number, ProcInfo> {
  const out = new Map<number, ProcInfo>();
  for (const e of listDir('/proc') ?? []) {
    if (!/^\d+$/.test(e.name)) continue;
    const p = readProc(Number(e.name));
    if (p !== undefined) out.set(p.pid, p);
  }
  return out;
}

export function childrenMap(table: ReadonlyMap<number, ProcInfo>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const p of table.values()) {
    const list = out.get(p.ppid);
    if (list === undefined) out.set(p.ppid, [p.pid]);
    else list.push(p.pid);
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/** `root` and every process below it, parents first. */
export function subtree(children: ReadonlyMap<number, readonly number[]>, root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...[...(children.get(pid) ?? [])].reverse());
  }
  return out;
}

/** The real uid and gid of a process (first columns of Uid:/Gid: in /proc/PID/status). */
export function processIds(pid: number): { uid: number; gid: number } | undefined {
  const text = readText(`/proc/${pid}/status`);
  const uid = text === undefined ? null : /^Uid:\s*(\d+)/m.exec(text);
  const gid = text === undefined ? null : /^Gid:\s*(\d+)/m.exec(text);
  if (uid?.[1] === undefined || gid?.[1] === undefined) return undefined;
  return { uid: Number(uid[1]), gid: Number(gid[1]) };
}

/** Whether a process runs with no_new_privs set; undefined if it has exited. */
export function noNewPrivs(pid: number): boolean | undefined {
  const m = /^NoNewPrivs:\s*(\d)/m.exec(readText(`/proc/${pid}/status`) ?? '');
  return m?.[1] === undefined ? undefined : m[1] === '1';
}

/** argv of a process; a kernel thread or a zombie has none, and gets `[comm]` as ps shows it. */
export function commandLine(pid: number): string[] {
  const raw = readText(`/proc/${pid}/cmdline`) ?? '';
  if (raw !== '') return raw.replace(/\0$/, '').split('\0');
  return [`[${(readText(`/proc/${pid}/comm`) ?? '?').trim()}]`];
}

export const NAMESPACES = ['user', 'mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup', 'time'] as const;
export type NamespaceKind = (typeof NAMESPACES)[number];

/**
 * The namespace a process is in, as the inode of its /proc/PID/ns link (stat follows the magic link to
 * nsfs). undefined if the process is gone or the kernel lacks that namespace type.
 */
export function namespaceId(pid: number | 'self', ns: NamespaceKind): bigint | undefined {
  return stat(`/proc/${pid}/ns/${ns}`)?.ino;
}

/** Whether the process that started at `startTime` still runs (a zombie has finished running). */
export function isRunning(pid: number, startTime: string): boolean {
  const p = readProc(pid);
  return p !== undefined && p.startTime === startTime && p.state !== 'Z' && p.state !== 'X';
}

/** Whether `ancestor` is the parent of `pid`, or the parent of its parent, and so on up to pid 1. */
export function descendsFrom(pid: number, ancestor: number): boolean {
  // The bound only guards against a loop seen in a process table that changes under the walk.
  let p = pid;
  for (let hops = 0; hops < 64 && p > 1; hops++) {
    const parent = readProc(p)?.ppid;
    if (parent === undefined) return false;
    if (parent === ancestor) return true;
    p = parent;
  }
  return false;
}
