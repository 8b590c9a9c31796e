/** Shared state while the filesystem half of a plan is built. */
import type { FsView } from '../host/fsview.ts';
import type { HostFacts } from '../host/facts.ts';
import type { Policy } from '../policy/policy.ts';
import { expandGlob, hasGlob } from './glob.ts';
import { MountTree, parentOf, type Content, type Flag } from './tree.ts';
import { UsageError } from '../errors.ts';
import type { BlobRef, PreExecStep } from './types.ts';

export interface FsContext {
  readonly policy: Policy;
  readonly facts: HostFacts;
  readonly fs: FsView;
  readonly tree: MountTree;
  readonly blobs: Uint8Array[];
  /** Blobs that copy the caller's own files into a private home (see LaunchPlan.copies). */
  readonly copies: { readonly blob: BlobRef; readonly src: string }[];
  /** Paths named by the policy that do not exist here; Firejail tolerates them, --debug lists them. */
  readonly missing: string[];
  /** What whitelist and private-lib brought into the sandbox, for --debug-whitelists and --debug-private-lib. */
  readonly whitelisted: string[];
  readonly privateLib: string[];
  readonly preExec: PreExecStep[];
  /** The user's home, canonical (symlinks resolved). */
  readonly home: string;
  /** /run/user/UID, canonical. */
  readonly runUser: string;
}

export function newContext(policy: Policy, facts: HostFacts): FsContext {
  const fs = facts.fs;
  return {
    policy,
    facts,
    fs,
    tree: new MountTree(),
    blobs: [],
    copies: [],
    missing: [],
    whitelisted: [],
    privateLib: [],
    preExec: [],
    home: fs.realpath(facts.home) ?? facts.home,
    runUser: fs.realpath(`/run/user/${facts.uid}`) ?? `/run/user/${facts.uid}`,
  };
}

export function addBlob(ctx: FsContext, data: Uint8Array): BlobRef {
  ctx.blobs.push(data);
  return ctx.blobs.length - 1;
}

/**
 * Under `private DIR` the sandbox's home is DIR: a rule's path in the home names what DIR holds there, not
 * what the real home does. For such a path: where the home is mounted, its source, and the rest of the
 * path; undefined for any other path (which names the host's own).
 */
function inPrivateDir(ctx: FsContext, path: string): { readonly at: string; readonly src: string; readonly rel: string } | undefined {
  if (ctx.policy.privateHome?.kind !== 'dir') return undefined;
  const node = ctx.tree.at(ctx.home);
  if (node?.content.kind !== 'host' || node.content.src === ctx.home) return undefined;
  const home = [ctx.facts.home, ctx.home].find((h) => h !== '/' && (path === h || path.startsWith(`${h}/`)));
  return home === undefined ? undefined : { at: ctx.home, src: node.content.src, rel: path.slice(home.length) };
}

/** The canonical path of `path` in the sandbox (see inPrivateDir): the host's, or a path in a private DIR. */
export function sandboxRealpath(ctx: FsContext, path: string): string | undefined {
  const d = inPrivateDir(ctx, path);
  if (d === undefined) return ctx.fs.realpath(path);
  const r = ctx.fs.realpath(`${d.src}${d.rel}`);
  if (r === undefined) return undefined;
  return r === d.src || r.startsWith(`${d.src}/`) ? `${d.at}${r.slice(d.src.length)}` : r;
}

/** Expands a policy path (glob allowed) to existing paths; records it as missing when nothing matches. */
export function expand(ctx: FsContext, pattern: string): string[] {
  const d = inPrivateDir(ctx, pattern);
  const look = d === undefined ? pattern : `${d.src}${d.rel}`;
  const hits = hasGlob(look) ? expandGlob(look, ctx.fs) : ctx.fs.lstat(look) !== undefined ? [look] : [];
  const found = d === undefined ? hits : hits.map((p) => `${d.at}${p.slice(d.src.length)}`);
  if (found.length === 0) ctx.missing.push(pattern);
  return found;
}

/**
 * Hides a path the way a blacklist does: its canonical target, whatever the path's symlinks say. Only
 * what the sandbox would show there is hidden: inside a tmpfs (a private home) nothing of the host shows
 * unless the plan put something there, and under a bind from elsewhere (`private DIR` as home) what shows
 * is the source's. Hiding a path that is not there would only leave an empty mount point behind, in the
 * sandbox or, under a bind, in the bound directory on the host.
 */
export function hide(ctx: FsContext, path: string): void {
  const real = sandboxRealpath(ctx, path);
  if (real === undefined) {
    ctx.missing.push(path);
    return;
  }
  const info = ctx.fs.lstat(behind(ctx, real));
  if (info === undefined) return;
  const cover = ctx.tree.covering(real);
  if (cover?.content.kind === 'hidden') return;
  if (cover?.content.kind === 'tmpfs' && !ctx.tree.hasNodeAtOrUnder(real)) return;
  const content: Content = { kind: 'hidden', type: info.type === 'dir' ? 'dir' : 'file' };
  ctx.tree.mount(real, content);
}

/**
 * The host path whose contents the sandbox shows at the canonical sandbox path `path`, by the plan so
 * far: under a bind from elsewhere (a private DIR as home), the source's; else the path itself.
 */
export function behind(ctx: FsContext, path: string): string {
  const cover = ctx.tree.covering(path);
  if (cover?.content.kind !== 'host' || cover.content.src === cover.path) return path;
  return `${cover.content.src}${path.slice(cover.path === '/' ? 0 : cover.path.length)}`;
}

/** The host's `path` bound at the same place, if it exists. */
export function bindSelf(ctx: FsContext, path: string, flags: { ro?: boolean; devices?: boolean } = {}): boolean {
  const real = ctx.fs.realpath(path);
  if (real === undefined) {
    ctx.missing.push(path);
    return false;
  }
  ctx.tree.mount(real, { kind: 'host', src: real, ...(flags.devices ? { devices: true as const } : {}) }, flags.ro === undefined ? {} : { ro: flags.ro });
  return true;
}

/** A recursive remount of `path` with `flag` (see MountTree.setFlag), checking sources on the host. */
export function setFlag(ctx: FsContext, path: string, flag: Flag): boolean {
  return ctx.tree.setFlag(path, flag, (src) => ctx.fs.lstat(src) !== undefined);
}

export function exists(ctx: FsContext, path: string): boolean {
  return ctx.fs.lstat(path) !== undefined;
}

/**
 * Binds a helper's socket (see src/helpers/) at `dest`. bwrap binds over a file the sandbox already shows,
 * or creates one on a tmpfs; where a read-only bind of the host has nothing at `dest`, the deepest
 * directory that does exist becomes a tmpfs first (root's /run/user, which holds no /run/user/0).
 */
export function placeHelperSocket(ctx: FsContext, dest: string, socket: string): void {
  const cover = ctx.tree.covering(dest);
  if (cover?.content.kind === 'host' && ctx.fs.lstat(behind(ctx, dest)) === undefined) {
    let dir = parentOf(dest);
    while (dir !== '/' && ctx.fs.lstat(behind(ctx, dir)) === undefined) dir = parentOf(dir);
    if (dir === '/' || dir === '/run') {
      throw new UsageError(`cannot place ${socket}'s socket at ${dest}: ${parentOf(dest)} does not exist, and kiln will not cover ${dir} with a tmpfs for it`);
    }
    ctx.tree.mount(dir, { kind: 'tmpfs', perms: 0o755 });
  }
  ctx.tree.mount(dest, { kind: 'helper', socket }, { ro: true });
}
