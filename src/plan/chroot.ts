/**
 * `--chroot=DIR`. The filesystem plan is made as for any sandbox, against DIR's view of the file system
 * (host/chroot.ts), so every profile rule names a path inside the chroot. This module then turns it into
 * bwrap's ops: the tree goes beneath CHROOT_AT, its sources are DIR's files (or the host's /dev, /proc and
 * /sys), and bwrap's own root holds only the host's libraries, for kiln's init stage, which pivots into
 * the chroot before anything else (src/launch/init.ts).
 *
 * Nothing is ever created in DIR: every mount point the plan needs there must exist already (Firejail
 * writes its own directories and /etc/resolv.conf into the chroot; kiln does not).
 */
import { chrootSource, type ChrootFacts } from '../host/chroot.ts';
import type { FsView } from '../host/fsview.ts';
import { UsageError } from '../errors.ts';
import type { Policy } from '../policy/policy.ts';
import type { FsContext } from './fs-context.ts';
import { mkRulesOnHost } from './mkdirs.ts';
import { parentOf } from './tree.ts';
import type { MountOp } from './types.ts';

/** Where bwrap mounts the chroot's tree in its own root; the init stage makes it the root. */
export const CHROOT_AT = '/chroot';

/** The host directories kiln's binary and its libraries are in (its ELF interpreter, libc). */
const RUNTIME_DIRS = ['/usr', '/lib', '/lib64', '/lib32', '/libx32'];

/**
 * What a chroot cannot have (yet), refused rather than dropped: each runs a helper on the host whose
 * socket would have to be placed in DIR.
 */
export function checkChrootPolicy(policy: Policy): void {
  const refuse = (what: string) => {
    throw new UsageError(`--chroot: '${what}' is not supported with a chroot yet (its helper's socket would have to be placed in the chroot)`);
  };
  if (policy.x11.kind === 'server') refuse('x11');
  if (policy.dbusUser.kind === 'filter') refuse('dbus-user filter');
  if (policy.dbusSystem.kind === 'filter') refuse('dbus-system filter');
}

/** What a chroot leaves out that the policy asked for, said once per launch. */
export function chrootWarnings(policy: Policy, home: string): string[] {
  const mk = mkRulesOnHost(policy, [home]);
  if (mk.length === 0) return [];
  return [`--chroot: ${mk.length} mkdir/mkfile rule(s) not applied (kiln creates nothing in the chroot; first: ${mk[0]?.path})`];
}

/**
 * Every mount point the tree needs inside a bind of DIR's files must be there already: bwrap would
 * otherwise create it, in DIR on the host (or fail, where DIR is not the caller's to write).
 */
function checkMountPoints(ctx: FsContext, chroot: ChrootFacts): void {
  for (const n of ctx.tree.list()) {
    if (n.path === '/' || n.content.kind === 'dir' || n.content.kind === 'file') continue;
    const parent = ctx.tree.covering(parentOf(n.path));
    if (parent?.content.kind !== 'host') continue; // a tmpfs (bwrap creates it there) or the kernel's /proc
    const rel = n.path.slice(parent.path === '/' ? 0 : parent.path.length);
    const src = parent.content.src === '/' ? rel : `${parent.content.src}${rel}`;
    // NOTE: bwrap follows symlinks in a mount point from its own root, not the chroot's: an absolute link
    // there would take the mount outside the chroot, and the chroot's path would keep DIR's contents.
    const there = ctx.fs.lstat(src) !== undefined;
    if (there && ctx.fs.realpath(src) === src) continue;
    const what = n.content.kind === 'proc' ? 'a fresh proc' : n.content.kind === 'dev' ? 'a minimal /dev' : n.content.kind === 'hidden' ? 'a blacklist' : n.content.kind === 'host' ? `a bind of ${n.content.src === n.path ? 'the chroot\'s own' : n.content.src}` : `a ${n.content.kind}`;
    if (!there) throw new UsageError(`--chroot: ${chroot.dir}${src} does not exist; the sandbox mounts ${what} at ${n.path}, and kiln creates nothing in the chroot (create it first)`);
    throw new UsageError(`--chroot: ${chroot.dir}${src} leads through a symbolic link; the sandbox mounts ${what} at ${n.path}, which must be a real directory or file in the chroot`);
  }
}

/**
 * The host's sockets and DNS settings, where the policy allows them and DIR has a place for them that the
 * plan left showing (a blacklist, a whitelist or a private-* of that place keeps them out): the X11 socket
 * directory, PulseAudio's directory, the session and system buses, /etc/resolv.conf (unless `dns`).
 * Ops in the chroot's paths, with host sources.
 */
function hostSockets(ctx: FsContext, host: FsView): MountOp[] {
  const { policy, facts, tree } = ctx;
  const runUser = `/run/user/${facts.uid}`;
  const wanted: { path: string; type: 'dir' | 'other' | 'file'; why: string; src?: string }[] = [];
  if (policy.x11.kind === 'allow') wanted.push({ path: '/tmp/.X11-unix', type: 'dir', why: 'the X11 sockets' });
  if (!policy.devices.nosound) wanted.push({ path: `${runUser}/pulse`, type: 'dir', why: 'PulseAudio' });
  if (policy.dbusUser.kind === 'allow') wanted.push({ path: `${runUser}/bus`, type: 'other', why: 'the session bus' });
  if (policy.dbusSystem.kind === 'allow') wanted.push({ path: '/run/dbus/system_bus_socket', type: 'other', why: 'the system bus' });
  const resolv = host.realpath('/etc/resolv.conf');
  if (policy.dns.length === 0 && resolv !== undefined) wanted.push({ path: '/etc/resolv.conf', type: 'file', why: 'the host\'s DNS settings', src: resolv });
  const ops: MountOp[] = [];
  for (const w of wanted) {
    const src = w.src ?? w.path;
    if (w.src === undefined && host.lstat(src)?.type !== w.type) continue; // the host has none
    const dest = ctx.fs.realpath(w.path);
    const there = dest === undefined ? undefined : ctx.fs.lstat(dest);
    // A socket goes over any non-directory (an empty file will do), a directory over a directory.
    const fits = there !== undefined && (w.type === 'dir' ? there.type === 'dir' : there.type !== 'dir');
    if (dest === undefined || !fits || !tree.showsHost(dest)) {
      ctx.missing.push(`${w.path} in the chroot (for ${w.why})`);
      continue;
    }
    ops.push({ kind: w.type === 'file' ? 'ro-bind' : 'bind', src, dest });
  }
  return ops;
}

/** bwrap's own root: the host's library directories, read-only, and /proc and /dev from the chroot. */
function runtimeRoot(host: FsView): MountOp[] {
  const ops: MountOp[] = [];
  for (const d of RUNTIME_DIRS) {
    const info = host.lstat(d);
    if (info?.type === 'dir') ops.push({ kind: 'ro-bind', src: d, dest: d });
    else if (info?.type === 'symlink') {
      const target = host.readlink(d);
      if (target !== undefined) ops.push({ kind: 'symlink', target, dest: d });
    }
  }
  // bwrap execs the init stage as /proc/self/fd/N, before it pivots: the chroot's /proc serves.
  for (const d of ['/proc', '/dev']) ops.push({ kind: 'symlink', target: `${CHROOT_AT.slice(1)}${d}`, dest: d });
  return ops;
}

/** An op of the chroot's tree as bwrap must see it: beneath CHROOT_AT, and for a bind, from DIR's file. */
function rebase(op: MountOp, dir: string | undefined): MountOp {
  const dest = op.dest === '/' ? CHROOT_AT : `${CHROOT_AT}${op.dest}`;
  switch (op.kind) {
    case 'bind':
    case 'ro-bind':
    case 'dev-bind':
      return { ...op, src: dir === undefined ? op.src : chrootSource(dir, op.src), dest };
    default:
      return { ...op, dest };
  }
}

/**
 * bwrap's ops for a chroot: its own root, then the tree (`treeOps`, in the chroot's paths and DIR's view),
 * then the ops whose sources are already host paths (`hostOps`: the helpers' sockets), then the host's
 * sockets and DNS settings. Throws if DIR lacks a mount point the plan needs.
 */
export function chrootMounts(ctx: FsContext, chroot: ChrootFacts, treeOps: readonly MountOp[], hostOps: readonly MountOp[]): MountOp[] {
  checkMountPoints(ctx, chroot);
  return [
    ...runtimeRoot(chroot.host),
    ...treeOps.map((op) => rebase(op, chroot.dir)),
    ...hostOps.map((op) => rebase(op, undefined)),
    ...hostSockets(ctx, chroot.host).map((op) => rebase(op, undefined)),
  ];
}
