/**
 * strace's calls → what kiln's tracer and profile builder care about: execs, opens (with flags), other
 * calls on paths, sockets, connects and binds, and directory changes. Paths come out absolute and
 * lexically clean: a relative one is resolved against the directory strace printed for the dirfd (-y),
 * or for the older calls without one against the process's working directory as the trace saw it change.
 */
import { arrayItems, cStringArg, fdPath, structField, type SyscallLine } from './strace-line.ts';

/** What a call did to a path: read it (stat, open for reading…), wrote or made it, ran it. */
export type PathRole = 'read' | 'write' | 'create' | 'remove';

export type TraceEvent =
  | { readonly kind: 'exec'; readonly call: string; readonly path: string; readonly argv: readonly string[]; readonly ok: boolean; readonly errno?: string }
  | {
      readonly kind: 'open';
      readonly call: string;
      readonly path: string;
      /** The flags as strace named them: `O_RDONLY|O_CLOEXEC`. */
      readonly flags: string;
      readonly ok: boolean;
      readonly fd?: number;
      readonly errno?: string;
      /** Where the opened file really is (symlinks followed), as strace printed the fd. */
      readonly resolved?: string;
    }
  | { readonly kind: 'path'; readonly call: string; readonly path: string; readonly role: PathRole; readonly ok: boolean; readonly errno?: string }
  | { readonly kind: 'socket'; readonly call: string; readonly family: string; readonly type: string; readonly protocol: string; readonly ok: boolean; readonly fd?: number; readonly errno?: string }
  | {
      readonly kind: 'connect' | 'bind';
      readonly fd: number;
      readonly family: string;
      /** `127.0.0.1 port 80`, `/run/dbus/system_bus_socket`, `@abstract`. */
      readonly address: string;
      /** A filesystem socket's path (AF_UNIX, not abstract). */
      readonly unixPath?: string;
      readonly ok: boolean;
      readonly errno?: string;
    };

/** Resolves `path` lexically against `base`: `.` and `..` and repeated slashes go. */
export function resolvePath(base: string, path: string): string {
  const parts = (path.startsWith('/') ? path : `${base}/${path}`).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return `/${out.join('/')}`;
}

type Arg = { readonly dir: number; readonly path: number; readonly role: PathRole };
const at = (path: number, role: PathRole): Arg => ({ dir: path - 1, path, role });
const plain = (path: number, role: PathRole): Arg => ({ dir: -1, path, role });

/** Calls that name paths, other than opens and execs: where each path is, and what the call does to it. */
const PATH_CALLS: Readonly<Record<string, readonly Arg[]>> = {
  stat: [plain(0, 'read')],
  lstat: [plain(0, 'read')],
  newfstatat: [at(1, 'read')],
  statx: [at(1, 'read')],
  statfs: [plain(0, 'read')],
  access: [plain(0, 'read')],
  faccessat: [at(1, 'read')],
  faccessat2: [at(1, 'read')],
  readlink: [plain(0, 'read')],
  readlinkat: [at(1, 'read')],
  getxattr: [plain(0, 'read')],
  lgetxattr: [plain(0, 'read')],
  listxattr: [plain(0, 'read')],
  llistxattr: [plain(0, 'read')],
  inotify_add_watch: [plain(1, 'read')],
  chdir: [plain(0, 'read')],
  mkdir: [plain(0, 'create')],
  mkdirat: [at(1, 'create')],
  mknod: [plain(0, 'create')],
  mknodat: [at(1, 'create')],
  unlink: [plain(0, 'remove')],
  unlinkat: [at(1, 'remove')],
  rmdir: [plain(0, 'remove')],
  rename: [plain(0, 'remove'), plain(1, 'create')],
  renameat: [at(1, 'remove'), at(3, 'create')],
  renameat2: [at(1, 'remove'), at(3, 'create')],
  link: [plain(0, 'read'), plain(1, 'create')],
  linkat: [at(1, 'read'), at(3, 'create')],
  symlink: [plain(1, 'create')],
  symlinkat: [at(2, 'create')],
  chmod: [plain(0, 'write')],
  fchmodat: [at(1, 'write')],
  chown: [plain(0, 'write')],
  lchown: [plain(0, 'write')],
  fchownat: [at(1, 'write')],
  truncate: [plain(0, 'write')],
  utimensat: [at(1, 'write')],
  utime: [plain(0, 'write')],
  utimes: [plain(0, 'write')],
  setxattr: [plain(0, 'write')],
  lsetxattr: [plain(0, 'write')],
  removexattr: [plain(0, 'write')],
};

/** Working directories as the trace saw them change; a process not seen yet is in the launch's. */
export class Cwds {
  private readonly byPid = new Map<number, string>();
  constructor(private readonly initial: string) {}
  of(pid: number): string {
    return this.byPid.get(pid) ?? this.initial;
  }
  set(pid: number, dir: string): void {
    this.byPid.set(pid, dir);
  }
  /** A new process starts where its parent was. */
  inherit(child: number, parent: number): void {
    this.byPid.set(child, this.of(parent));
  }
}

function pathOf(line: SyscallLine, a: Arg, cwds: Cwds): string | undefined {
  const raw = cStringArg(line.args[a.path]);
  if (raw === undefined || raw === '') return undefined;
  const base = a.dir >= 0 ? (fdPath(line.args[a.dir]) ?? cwds.of(line.pid)) : cwds.of(line.pid);
  return resolvePath(base, raw);
}

function failure(line: SyscallLine): { ok: boolean; errno?: string } {
  const ok = line.ret !== undefined && line.ret >= 0;
  return ok ? { ok } : { ok, ...(line.errno !== undefined ? { errno: line.errno } : {}) };
}

function sockaddr(arg: string | undefined): { family: string; address: string; unixPath?: string } | undefined {
  const family = structField(arg, 'sa_family');
  if (family === undefined) return undefined;
  switch (family) {
    case 'AF_UNIX': {
      const raw = structField(arg, 'sun_path') ?? '';
      if (raw.startsWith('@')) return { family, address: `@${cStringArg(raw.slice(1)) ?? ''}` };
      const path = cStringArg(raw);
      return path === undefined ? { family, address: '(unnamed)' } : { family, address: path, unixPath: path };
    }
    case 'AF_INET': {
      const port = /htons\((\d+)\)/.exec(structField(arg, 'sin_port') ?? '')?.[1] ?? '?';
      const addr = cStringArg(/inet_addr\((".*")\)/.exec(structField(arg, 'sin_addr') ?? '')?.[1]) ?? '?';
      return { family, address: `${addr} port ${port}` };
    }
    case 'AF_INET6': {
      const port = /htons\((\d+)\)/.exec(structField(arg, 'sin6_port') ?? '')?.[1] ?? '?';
      const addr = /inet_pton\(AF_INET6, "([^"]*)"/.exec(arg ?? '')?.[1] ?? '?';
      return { family, address: `${addr} port ${port}` };
    }
    default:
      return { family, address: family };
  }
}

/** The events of one call; most calls have none (their names still count for seccomp.keep). */
export function eventsOf(line: SyscallLine, cwds: Cwds): TraceEvent[] {
  const { name } = line;
  switch (name) {
    case 'execve':
    case 'execveat': {
      const a = name === 'execve' ? plain(0, 'read') : at(1, 'read');
      const path = pathOf(line, a, cwds);
      if (path === undefined) return [];
      const argv = arrayItems(line.args[a.path + 1]).map((s) => cStringArg(s, true) ?? s);
      return [{ kind: 'exec', call: name, path, argv, ...failure(line) }];
    }
    case 'open':
    case 'openat':
    case 'openat2':
    case 'creat': {
      const a = name === 'open' || name === 'creat' ? plain(0, 'read') : at(1, 'read');
      const path = pathOf(line, a, cwds);
      if (path === undefined) return [];
      const flagArg = line.args[a.path + 1] ?? '';
      const flags = name === 'creat' ? 'O_CREAT|O_WRONLY|O_TRUNC' : name === 'openat2' ? (structField(flagArg, 'flags') ?? '') : flagArg;
      const f = failure(line);
      return [
        {
          kind: 'open',
          call: name,
          path,
          flags,
          ...f,
          ...(f.ok && line.ret !== undefined ? { fd: line.ret } : {}),
          ...(line.retPath !== undefined && line.retPath.startsWith('/') ? { resolved: line.retPath } : {}),
        },
      ];
    }
    case 'socket':
    case 'socketpair': {
      const f = failure(line);
      return [
        {
          kind: 'socket',
          call: name,
          family: line.args[0] ?? '?',
          type: line.args[1] ?? '?',
          protocol: line.args[2] ?? '?',
          ...f,
          ...(f.ok && name === 'socket' && line.ret !== undefined ? { fd: line.ret } : {}),
        },
      ];
    }
    case 'fchdir': {
      const dir = fdPath(line.args[0]);
      if (line.ret === 0 && dir?.startsWith('/') === true) cwds.set(line.pid, dir);
      return [];
    }
    case 'connect':
    case 'bind': {
      const addr = sockaddr(line.args[1]);
      if (addr === undefined) return [];
      return [{ kind: name, fd: Number.parseInt(line.args[0] ?? '-1', 10), ...addr, ...failure(line) }];
    }
    default: {
      const args = PATH_CALLS[name];
      if (args === undefined) return [];
      const out: TraceEvent[] = [];
      for (const a of args) {
        const path = pathOf(line, a, cwds);
        if (path !== undefined) out.push({ kind: 'path', call: name, path, role: a.role, ...failure(line) });
      }
      const first = out[0];
      if (name === 'chdir' && line.ret === 0 && first?.kind === 'path') cwds.set(line.pid, first.path);
      return out;
    }
  }
}
