/**
 * `--chroot=DIR`: the checks made on DIR before anything is planned, and the view of the file system the
 * planner gets in place of the host's, in which DIR is `/`.
 *
 * Firejail, setuid root, allows a chroot only into a directory owned by root and writable by nobody else,
 * reached without symlinks: otherwise another user could change, between the check and the chroot, what
 * the sandbox will run as its /bin and /etc. kiln makes the same checks on DIR and on every directory
 * above it, with two differences: as a user, DIR and its parents may also be the caller's own (kiln is not
 * setuid: the chroot is a bind in the caller's user namespace, and gives nothing the caller could not do
 * alone), and a parent writable by others is accepted when it is sticky (/tmp), where others can neither
 * rename nor remove what is not theirs.
 */
import { HostError } from '../errors.ts';
import type { FsView } from './fsview.ts';

export interface ChrootFacts {
  /** DIR: absolute and canonical (checked: no symlink on the way). */
  readonly dir: string;
  /** The host's own file system; under --chroot, `HostFacts.fs` is DIR's view (chrootFsView). */
  readonly host: FsView;
}

/**
 * Kernel trees the sandbox gets from the host, each at DIR's own directory of that name: beneath it, the
 * view shows the host's contents (what the sandbox will see there), the directory itself stays DIR's.
 */
export const FROM_HOST: readonly string[] = ['/dev', '/proc', '/sys'];

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** DIR as an absolute path, `.` and repeated slashes dropped; `..` is refused, as Firejail refuses it. */
function absolute(given: string, cwd: string): string {
  const raw = given.startsWith('/') ? given : `${cwd}/${given}`;
  const parts = raw.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw new HostError(`--chroot=${given}: the path must not contain '..'`);
  return `/${parts.join('/')}`;
}

/**
 * Checks DIR and every directory above it; returns DIR, absolute. Each failure is a HostError naming the
 * path at fault. `uid` is the caller's: root may chroot only into root's directories, as in Firejail.
 */
export function checkChroot(given: string, cwd: string, uid: number, host: FsView): string {
  const dir = absolute(given, cwd);
  if (dir === '/') throw new HostError(`--chroot=${given}: the host's own root is not a chroot`);
  const owners = uid === 0 ? 'root' : 'root or to you';
  const parts = dir.split('/').filter((c) => c !== '');
  for (let i = 0; i <= parts.length; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    const isDir = i === parts.length;
    const info = host.lstat(p);
    if (info === undefined) throw new HostError(isDir ? `--chroot: ${dir} does not exist` : `--chroot: ${p} does not exist (on the way to ${dir})`);
    if (info.type === 'symlink') {
      const real = host.realpath(dir);
      throw new HostError(`--chroot: ${p} is a symbolic link; name the chroot by its real path${real !== undefined ? ` (${real})` : ''}`);
    }
    if (info.type !== 'dir') throw new HostError(`--chroot: ${p} is not a directory`);
    if (info.uid !== 0 && info.uid !== uid) {
      throw new HostError(`--chroot: ${p} belongs to uid ${info.uid}; the chroot and every directory above it must belong to ${owners}`);
    }
    const sticky = (info.mode & 0o1000) !== 0;
    if ((info.mode & 0o022) !== 0 && (isDir || !sticky)) {
      const who = (info.mode & 0o020) !== 0 ? ((info.mode & 0o002) !== 0 ? 'group and others' : 'its group') : 'others';
      throw new HostError(
        `--chroot: ${p} is writable by ${who} (mode ${octal(info.mode)}); the chroot${isDir ? '' : ' and every directory above it (unless sticky, as /tmp)'} must be writable only by its owner`,
      );
    }
  }
  return dir;
}

/**
 * Where on the host a bind of the canonical sandbox path `path` takes its contents from: the host's own
 * kernel trees (FROM_HOST), else DIR's file.
 */
export function chrootSource(dir: string, path: string): string {
  if (FROM_HOST.some((p) => under(path, p))) return path;
  return path === '/' ? dir : `${dir}${path}`;
}

/**
 * The file system as the sandbox will see it before the plan's mounts: DIR at `/`, the host's kernel
 * trees beneath DIR's directories of their names. Symlinks resolve inside DIR, as they will in the
 * sandbox: an absolute link target names DIR's file, and `..` stops at DIR.
 */
export function chrootFsView(host: FsView, dir: string): FsView {
  const reals = new Map<string, string | undefined>();
  /** The host path of a sandbox path whose directory part is canonical. */
  const toHost = (path: string): string | undefined => {
    const tree = FROM_HOST.find((p) => path.startsWith(`${p}/`));
    if (tree !== undefined) return host.lstat(`${dir}${tree}`)?.type === 'dir' ? path : undefined;
    return path === '/' ? dir : `${dir}${path}`;
  };
  const resolve = (path: string): string | undefined => {
    const pending = path.split('/').filter((c) => c !== '' && c !== '.');
    let cur = '/';
    let hops = 0;
    while (pending.length > 0) {
      const c = pending.shift() as string;
      if (c === '..') {
        cur = parentOf(cur);
        continue;
      }
      const next = cur === '/' ? `/${c}` : `${cur}/${c}`;
      const h = toHost(next);
      const info = h === undefined ? undefined : host.lstat(h);
      if (h === undefined || info === undefined) return undefined;
      if (info.type !== 'symlink') {
        cur = next;
        continue;
      }
      const target = host.readlink(h);
      if (target === undefined || ++hops > 40) return undefined; // ELOOP, as the kernel gives up
      pending.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      if (target.startsWith('/')) cur = '/';
    }
    return cur;
  };
  const realpath = (path: string): string | undefined => {
    if (!reals.has(path)) reals.set(path, resolve(path));
    return reals.get(path);
  };
  /** The host path of `path` itself (a final symlink not followed). */
  const hostOf = (path: string): string | undefined => {
    if (path === '/' || path === '') return dir;
    const trimmed = path.replace(/\/+$/, '');
    const name = trimmed.slice(trimmed.lastIndexOf('/') + 1);
    const parent = realpath(parentOf(trimmed));
    if (parent === undefined) return undefined;
    if (name === '.' || name === '..') return toHost(realpath(trimmed) ?? '/');
    return toHost(parent === '/' ? `/${name}` : `${parent}/${name}`);
  };
  const followed = (path: string): string | undefined => {
    const r = realpath(path);
    return r === undefined ? undefined : toHost(r);
  };
  return {
    lstat: (path) => {
      const h = hostOf(path);
      return h === undefined ? undefined : host.lstat(h);
    },
    realpath,
    readlink: (path) => {
      const h = hostOf(path);
      return h === undefined ? undefined : host.readlink(h);
    },
    list: (d) => {
      const h = followed(d);
      return h === undefined ? undefined : host.list(h);
    },
    glob: (d, pattern, match) => {
      const h = followed(d);
      return h === undefined ? [] : host.glob(h, pattern, match);
    },
    read: (path, limit) => {
      const h = followed(path);
      return h === undefined ? undefined : host.read(h, limit);
    },
    readAt: (path, offset, length) => {
      const h = followed(path);
      return h === undefined ? undefined : host.readAt(h, offset, length);
    },
  };
}
