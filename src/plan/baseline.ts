/**
 * What every kiln sandbox gets, whatever the profile, modelled on how Firejail hardens its own: the host
 * tree; a fresh /proc with the kernel's sensitive files covered; kernel images, modules and firmware
 * tables hidden; other users' homes and runtime directories hidden; throwaway /var/tmp, /var/log and
 * /run/lock; and kiln's and Firejail's configuration directories read-only, so a sandboxed program cannot
 * rewrite the profiles that will confine it next time.
 *
 * Each bwrap mount costs tens of microseconds, and every read-only bind makes bwrap re-read the mount
 * table, so the baseline only covers what the caller could otherwise reach: a file the caller cannot read
 * needs no cover, and the read-only binds of /etc, /usr, /var, /sys and /proc/sys (which only root could
 * write) are made for root only.
 */
import type { PathInfo } from '../host/fsview.ts';
import { bindSelf, exists, hide, setFlag, type FsContext } from './fs-context.ts';

/** Files and directories that leak kernel memory, addresses, logs or firmware to whoever can read them. */
const LEAKS = [
  '/proc/kcore',
  '/proc/kallsyms',
  '/proc/timer_list',
  '/proc/kmsg',
  '/dev/kmsg',
  '/sys/firmware',
  '/sys/kernel/debug',
  '/sys/kernel/vmcoreinfo',
  '/boot',
  '/lib/modules',
  '/usr/lib/debug',
];
/** Things only root could write to, which a root sandbox must not: they act on the whole machine. */
const ROOT_WRITABLE = ['/proc/sysrq-trigger', '/sys/power'];

/** Could the caller read (or list) this path? Group bits count as readable, to stay on the safe side. */
function readableBy(info: PathInfo, uid: number): boolean {
  if (uid === 0) return true;
  if ((info.mode & 0o044) !== 0) return true;
  return info.uid === uid && (info.mode & 0o400) !== 0;
}

export function planBaseline(ctx: FsContext): void {
  const { tree, policy, facts } = ctx;
  tree.mount('/', { kind: 'host', src: '/' });
  tree.mount('/dev', { kind: 'host', src: '/dev', devices: true });
  tree.mount('/proc', { kind: 'proc' });
  // Under --chroot, /sys is the host's too, where DIR has a directory for it (as under Firejail).
  const chroot = facts.chroot !== undefined;
  if ((facts.isRoot || chroot) && exists(ctx, '/sys')) tree.mount('/sys', { kind: 'host', src: '/sys' }, { ro: true });
  if (facts.isRoot) {
    // NOTE: /proc/sys/net follows the reader's network namespace, so the host's /proc/sys shows the
    // sandbox's own network settings; bwrap covers /proc/irq and /proc/bus itself.
    tree.mount('/proc/sys', { kind: 'host', src: '/proc/sys' }, { ro: true });
    for (const p of ROOT_WRITABLE) if (exists(ctx, p)) hideAt(ctx, p);
    // A chroot's system directories are writable as their permissions allow, as Firejail's: they are
    // DIR's, not the host's.
    if (!chroot) {
      if (!policy.writableEtc) setFlag(ctx, '/etc', 'ro');
      setFlag(ctx, '/usr', 'ro');
      if (!policy.writableVar) setFlag(ctx, '/var', 'ro');
    }
  }
  for (const p of LEAKS) {
    const info = ctx.fs.lstat(p);
    if (info !== undefined && readableBy(info, facts.uid)) hideAt(ctx, p);
  }

  if (!policy.keepVarTmp && exists(ctx, '/var/tmp')) tree.mount(real(ctx, '/var/tmp'), { kind: 'tmpfs', perms: 0o1777 });
  if (!policy.writableVarLog && exists(ctx, '/var/log')) planVarLog(ctx);
  if (exists(ctx, '/run/lock')) tree.mount(real(ctx, '/run/lock'), { kind: 'tmpfs', perms: 0o1777 });

  if (!facts.isRoot && !policy.allusers) {
    hideOtherHomes(ctx);
    if (exists(ctx, '/run/user')) {
      tree.mount('/run/user', { kind: 'tmpfs', perms: 0o755 });
      if (exists(ctx, ctx.runUser)) bindSelf(ctx, ctx.runUser);
    }
  }
  if (!policy.writableRunUser) {
    for (const p of [`${ctx.runUser}/systemd`, `${ctx.runUser}/gnupg`]) if (exists(ctx, p)) hide(ctx, p);
  }
}

/** The configuration directories whose profiles confine the next sandbox. */
export function configDirs(home: string, isRoot: boolean): string[] {
  const dirs = [`${home}/.config/kiln`, `${home}/.config/firejail`];
  if (isRoot) dirs.push('/etc/kiln', '/etc/firejail');
  return dirs;
}

/**
 * Applied after every profile rule, so that no whitelist, read-write or tmpfs can undo them: kiln's and
 * Firejail's configuration directories are read-only, and kiln's state (registry, plan cache, bwrap
 * options) is hidden, so a sandboxed program can neither rewrite the profiles that will confine it next
 * time nor plant a launch plan or registry entry. kiln creates these directories before planning, so
 * they exist to be covered.
 */
export function planProtections(ctx: FsContext): void {
  for (const dir of configDirs(ctx.home, ctx.facts.isRoot)) {
    const r = ctx.fs.realpath(dir);
    if (r !== undefined && !ctx.tree.isHidden(r)) setFlag(ctx, r, 'ro');
  }
  for (const dir of [ctx.facts.stateDir, ctx.facts.cacheDir]) {
    if (exists(ctx, dir)) hide(ctx, dir);
  }
}

/** /proc entries are hidden in the sandbox's own /proc, whatever the host path resolves to. */
function hideAt(ctx: FsContext, path: string): void {
  if (path.startsWith('/proc/')) {
    ctx.tree.mount(path, { kind: 'hidden', type: 'file' });
    return;
  }
  hide(ctx, path);
}

function real(ctx: FsContext, path: string): string {
  return ctx.fs.realpath(path) ?? path;
}

/** Other users' homes: /home becomes a tmpfs holding only the caller's home. */
function hideOtherHomes(ctx: FsContext): void {
  if (!exists(ctx, '/home')) return;
  const homeRoot = real(ctx, '/home');
  // Read-only, as the host's /home is to a user (bwrap's tmpfs belongs to the sandbox's user); the
  // remount comes after the home is bound in it, and does not reach the home.
  ctx.tree.mount(homeRoot, { kind: 'tmpfs', perms: 0o755 }, { ro: true });
  if (ctx.home.startsWith(`${homeRoot}/`)) bindSelf(ctx, ctx.home);
}

/**
 * A throwaway /var/log. For root, the host's first-level directories are recreated in it (as Firejail
 * does), so that daemons find where to write.
 */
function planVarLog(ctx: FsContext): void {
  const logDir = real(ctx, '/var/log');
  ctx.tree.mount(logDir, { kind: 'tmpfs', perms: 0o755 });
  if (!ctx.facts.isRoot) return;
  for (const name of ctx.fs.list(logDir) ?? []) {
    const p = `${logDir}/${name}`;
    if (ctx.fs.lstat(p)?.type === 'dir') ctx.tree.mount(p, { kind: 'dir', perms: 0o755 });
  }
}
