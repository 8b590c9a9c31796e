/**
 * `mkdir` and `mkfile`: create a directory or an empty file on the host before the sandbox starts, so that
 * a whitelist of it has something to keep. As in Firejail, only under the user's home, /tmp, or
 * /run/user/UID; never through a symlink that leads out of those places; directories mode 0700 and files
 * 0600. Paths that land in a tmpfs of the sandbox's own are not made here but in the plan, and under
 * `private DIR` a path in the home is made in DIR (plan/mkdirs.ts).
 */
import { SyscallError, UsageError } from '../errors.ts';
import type { HostMkdirs } from '../plan/mkdirs.ts';
import { realPath, stat } from '../sys/fs.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';

const EEXIST = 17;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_CLOEXEC = 0o2000000;
const O_NOFOLLOW_X86 = 0o400000; // O_NOFOLLOW differs by architecture
const O_NOFOLLOW_ARM64 = 0o100000;

function allowedRoots(home: string, uid: number): string[] {
  return [home, '/tmp', `/run/user/${uid}`].map((r) => realPath(r) ?? r);
}

function within(path: string, roots: readonly string[]): boolean {
  return roots.some((r) => path === r || path.startsWith(`${r}/`));
}

/** Creates missing directories from the first existing ancestor down, checking each step stays inside. */
function makeDirs(target: string, roots: readonly string[], what: string): void {
  const parts = target.split('/').filter((p) => p !== '');
  let cur = '';
  for (const part of parts) {
    cur += `/${part}`;
    const st = stat(cur, true);
    if (st !== undefined) {
      const real = st.isSymlink ? realPath(cur) : cur;
      if (real === undefined || (within(cur, roots) && !within(real, roots))) {
        throw new UsageError(`${what}: ${cur} leads outside your home, /tmp and /run/user (refused)`);
      }
      continue;
    }
    if (!within(cur, roots)) throw new UsageError(`${what}: ${target} is not under your home, /tmp or /run/user`);
    if (libc().mkdir(ptr(cString(cur)), 0o700) !== 0 && errno() !== EEXIST) throw new SyscallError('mkdir', errno(), cur);
  }
}

export function applyMkdirs(m: HostMkdirs, uid: number, arch: string): void {
  const home = realPath(m.homeOnHost);
  // A private DIR that is not a directory makes planning fail; nothing is made in its place.
  const homeUsable = home !== undefined && stat(home)?.isDir === true;
  const roots = allowedRoots(home ?? m.homeOnHost, uid);
  for (const rule of m.rules) {
    let path = rule.path.replace(/\/+$/, '');
    const base = m.homes.find((h) => h !== '/' && (path === h || path.startsWith(`${h}/`)));
    if (base !== undefined) {
      if (!homeUsable) continue;
      path = `${home}${path.slice(base.length)}`;
    }
    if (!within(path, roots) && !within(realPath(path) ?? path, roots)) {
      throw new UsageError(`${rule.kind} ${rule.path}: only paths under your home, /tmp or /run/user/${uid} can be created`);
    }
    if (rule.kind === 'mkdir') {
      makeDirs(path, roots, 'mkdir');
      continue;
    }
    makeDirs(path.slice(0, path.lastIndexOf('/')) || '/', roots, 'mkfile');
    const noFollow = arch === 'arm64' ? O_NOFOLLOW_ARM64 : O_NOFOLLOW_X86;
    const fd = libc().open(ptr(cString(path)), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | noFollow, 0o600);
    if (fd >= 0) libc().close(fd);
    else if (errno() !== EEXIST) throw new SyscallError('open(O_CREAT)', errno(), path);
  }
}
