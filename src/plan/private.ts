/**
 * The private-* commands: throwaway copies of home, /tmp, /etc, /opt, /srv, the binaries directories and
 * the cache. Contents that must survive come from the host by bind; everything else lives in a tmpfs and
 * is gone when the sandbox ends. Nothing here writes to the host.
 */
import { UsageError } from '../errors.ts';
import type { Policy } from '../policy/policy.ts';
import { addBlob, bindSelf, exists, setFlag, type FsContext } from './fs-context.ts';
import { parentOf } from './tree.ts';

/** A tmpfs at `dir` holding read-only binds of the listed names from the host's `dir`. */
function privateDir(ctx: FsContext, dir: string, names: readonly string[], readOnly: boolean): void {
  const real = ctx.fs.realpath(dir);
  if (real === undefined) return;
  ctx.tree.mount(real, { kind: 'tmpfs', perms: 0o755 });
  for (const name of names) {
    const clean = name.replace(/^\/+/, '').replace(/\/+$/, '');
    if (clean === '' || clean.split('/').includes('..')) throw new UsageError(`private list entry '${name}' must name something inside ${dir}`);
    const src = ctx.fs.realpath(`${real}/${clean}`);
    if (src === undefined) {
      ctx.missing.push(`${real}/${clean}`);
      continue;
    }
    // NOTE: a symlink in the list (/etc/resolv.conf → /run/…) is bound as its target's contents, so the
    // name works even though the target's directory is not in the sandbox.
    ctx.tree.mount(`${real}/${clean}`, { kind: 'host', src }, { ro: readOnly });
  }
}

/** private-home: a tmpfs home with copies of the listed files (copies, so changes are discarded). */
const COPY_LIMIT_BYTES = 64 * 1024 * 1024;
const COPY_LIMIT_FILES = 10_000;

/** A copy of the host file `src` as a plain file at `dest` in a tmpfs; the plan cache never stores it. */
function putCopy(ctx: FsContext, src: string, dest: string, bytes: Uint8Array, perms: number): void {
  const blob = addBlob(ctx, bytes);
  ctx.tree.mount(dest, { kind: 'file', blob, perms });
  ctx.copies.push({ blob, src });
}

function copyInto(ctx: FsContext, src: string, dest: string, budget: { bytes: number; files: number }): void {
  const info = ctx.fs.lstat(src);
  if (info === undefined) return;
  if (--budget.files < 0) throw new UsageError(`private-home: more than ${COPY_LIMIT_FILES} files to copy`);
  switch (info.type) {
    case 'dir':
      ctx.tree.mount(dest, { kind: 'dir', perms: info.mode & 0o7777 });
      for (const name of ctx.fs.list(src) ?? []) copyInto(ctx, `${src}/${name}`, `${dest}/${name}`, budget);
      return;
    case 'symlink': {
      const target = ctx.fs.realpath(src);
      if (target !== undefined && target.startsWith(`${ctx.home}/`)) {
        ctx.tree.mount(dest, { kind: 'symlink', target });
      }
      return;
    }
    case 'file': {
      const bytes = ctx.fs.read(src, COPY_LIMIT_BYTES);
      if (bytes === undefined) return;
      budget.bytes -= bytes.length;
      if (budget.bytes < 0) throw new UsageError(`private-home: more than ${COPY_LIMIT_BYTES >> 20} MB to copy`);
      putCopy(ctx, src, dest, bytes, info.mode & 0o777);
      return;
    }
    case 'other':
      return; // sockets and devices are not copied
  }
}

/** Which home `private` and `private-home` give the sandbox, if either is in force. */
export type PrivateHomeKind = 'tmpfs' | 'list' | 'dir';

export function privateHomeKind(policy: Policy): PrivateHomeKind | undefined {
  if (policy.privateHome?.kind === 'dir') return 'dir';
  if (policy.privateHome?.kind === 'tmpfs') return 'tmpfs';
  return policy.privateHomeList !== undefined ? 'list' : undefined;
}

const SEED_LIMIT_BYTES = 1 << 20;

/**
 * What Firejail puts in a fresh private home, so that a shell and an X or ALSA client work there: the
 * login shell's start-up file from /etc/skel (.zshrc or .cshrc, empty if /etc/skel has none; else
 * .bashrc, if /etc/skel has one), an .inputrc that turns readline's completion off unless `tab` is given,
 * and copies of the user's ~/.Xauthority and ~/.asoundrc (not of a file $XAUTHORITY names elsewhere, as
 * in Firejail). Whatever the private-home list brought in stays as it is.
 */
function seedHome(ctx: FsContext): void {
  const { tree, fs, home } = ctx;
  const free = (name: string) => tree.at(`${home}/${name}`) === undefined;
  const shell = ctx.facts.shell.slice(ctx.facts.shell.lastIndexOf('/') + 1);
  const rc = shell === 'zsh' ? '.zshrc' : shell === 'csh' || shell === 'tcsh' ? '.cshrc' : '.bashrc';
  const skel = `/etc/skel/${rc}`;
  const skelBytes = fs.lstat(skel)?.type === 'file' ? fs.read(skel, SEED_LIMIT_BYTES) : undefined;
  const rcBytes = skelBytes ?? (rc === '.bashrc' ? undefined : new Uint8Array());
  if (rcBytes !== undefined && free(rc)) tree.mount(`${home}/${rc}`, { kind: 'file', blob: addBlob(ctx, rcBytes), perms: 0o644 });
  if (!ctx.policy.tab && free('.inputrc')) {
    tree.mount(`${home}/.inputrc`, { kind: 'file', blob: addBlob(ctx, new TextEncoder().encode('set disable-completion on\n')), perms: 0o644 });
  }
  for (const name of ['.Xauthority', '.asoundrc']) {
    const src = `${home}/${name}`;
    // Only the user's own regular file, or a symlink to one that stays in the home.
    const real = fs.realpath(src);
    const info = real === undefined ? undefined : fs.lstat(real);
    if (real === undefined || !real.startsWith(`${home}/`) || info?.type !== 'file' || info.uid !== ctx.facts.uid || !free(name)) continue;
    const bytes = fs.read(real, SEED_LIMIT_BYTES + 1);
    if (bytes !== undefined && bytes.length <= SEED_LIMIT_BYTES) putCopy(ctx, real, src, bytes, 0o600);
  }
}

/**
 * `private`, `private DIR` and `private-home`, as Firejail does them: the home is a tmpfs (or DIR); unless
 * `allusers`, /home is emptied down to that home, for root too; /root, when it is not the home, is a
 * tmpfs for root and hidden from a user. Firejail mounts `private`'s tmpfs noexec (not `private-home`'s),
 * and so does kiln. Nothing here writes to the host.
 */
function planHomeReplacement(ctx: FsContext, kind: PrivateHomeKind): void {
  const { policy, tree, facts } = ctx;
  const home = ctx.home;
  const throwaway: string[] = [];
  if (!policy.allusers && exists(ctx, '/home')) {
    const homeRoot = ctx.fs.realpath('/home') ?? '/home';
    // Read-only for a user, to whom the host's /home is not writable either (bwrap's tmpfs belongs to the
    // sandbox's user); the remount comes after the home is mounted in it, and does not reach the home.
    tree.mount(homeRoot, { kind: 'tmpfs', perms: 0o755 }, { ro: !facts.isRoot });
    // A private DIR under /home keeps its exec permission, as in Firejail (the remount would reach it).
    if (!(kind === 'dir' && home.startsWith(`${homeRoot}/`))) throwaway.push(homeRoot);
  }
  if (home !== '/root' && exists(ctx, '/root')) {
    if (facts.isRoot) {
      tree.mount('/root', { kind: 'tmpfs', perms: 0o700 });
      throwaway.push('/root');
    } else tree.mount('/root', { kind: 'hidden', type: 'dir' });
  }
  if (kind === 'dir') {
    const ph = policy.privateHome as { readonly dir: string };
    const dir = ctx.fs.realpath(ph.dir);
    if (dir === undefined || ctx.fs.lstat(dir)?.type !== 'dir') throw new UsageError(`private: ${ph.dir} is not a directory`);
    if (!facts.isRoot && ctx.fs.lstat(dir)?.uid !== facts.uid) throw new UsageError(`private: ${ph.dir} is not owned by you`);
    tree.mount(home, { kind: 'host', src: dir });
  } else {
    tree.mount(home, { kind: 'tmpfs', perms: 0o700 });
    throwaway.push(home);
    const budget = { bytes: COPY_LIMIT_BYTES, files: COPY_LIMIT_FILES };
    for (const name of policy.privateHomeList ?? []) {
      const rel = name.replace(/^~\/?/, '').replace(home, '').replace(/^\/+/, '');
      const src = `${home}/${rel}`;
      if (!exists(ctx, src)) ctx.missing.push(src);
      else {
        // Parents outermost first, and only where the tree has nothing yet: a mount replaces what is
        // beneath it, an earlier item's copies included.
        const parents: string[] = [];
        for (let p = parentOf(src); p !== home && p.startsWith(`${home}/`); p = parentOf(p)) parents.unshift(p);
        for (const p of parents) if (tree.at(p) === undefined) tree.mount(p, { kind: 'dir', perms: 0o700 });
        copyInto(ctx, src, src, budget);
      }
    }
    seedHome(ctx);
  }
  if (kind !== 'list') for (const p of throwaway) setFlag(ctx, p, 'noexec');
}

export function planPrivateHome(ctx: FsContext): void {
  const { policy, tree } = ctx;
  const kind = privateHomeKind(policy);
  if (kind !== undefined) planHomeReplacement(ctx, kind);
  if (policy.privateCache) {
    const cache = `${ctx.home}/.cache`;
    if (exists(ctx, cache) || tree.covering(cache)?.content.kind === 'tmpfs') tree.mount(cache, { kind: 'tmpfs', perms: 0o700 });
  }
}

export function planPrivateDirs(ctx: FsContext): void {
  const { policy, tree } = ctx;
  if (policy.privateTmp) {
    tree.mount('/tmp', { kind: 'tmpfs', perms: 0o1777 });
    if (exists(ctx, '/tmp/.X11-unix')) bindSelf(ctx, '/tmp/.X11-unix', { ro: true });
  }
  if (policy.privateEtc !== undefined) privateDir(ctx, '/etc', policy.privateEtc, true);
  if (policy.privateOpt !== undefined) privateDir(ctx, '/opt', policy.privateOpt, !ctx.facts.isRoot);
  if (policy.privateSrv !== undefined) privateDir(ctx, '/srv', policy.privateSrv, !ctx.facts.isRoot);
  if (policy.disableMnt) for (const p of ['/mnt', '/media', '/run/mount', '/run/media']) if (exists(ctx, p)) tree.mount(ctx.fs.realpath(p) ?? p, { kind: 'hidden', type: 'dir' });
  if (policy.machineId) {
    const id = ctx.facts.randomId;
    for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
      const real = ctx.fs.realpath(p);
      if (real !== undefined && ctx.fs.lstat(real)?.type === 'file') {
        ctx.tree.mount(real, { kind: 'data', blob: addBlob(ctx, new TextEncoder().encode(`${id}\n`)), perms: 0o444 }, { ro: true });
      }
    }
  }
}
