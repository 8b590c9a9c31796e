/** Shared state while the filesystem half of a plan is built. */
import type { FsView } from '../host/fsview.ts';
import type { HostFacts } from '../host/facts.ts';
import type { Policy } from '../policy/policy.ts';
import { expandGlob, hasGlob } from './glob.ts';
import { MountTree, type Content, type Flag } from './tree.ts';
import type { BlobRef, PreExecStep } from './types.ts';

export interface FsContext {
  readonly policy: Policy;
  readonly facts: HostFacts;
  readonly fs: FsView;
  readonly tree: MountTree;
  readonly blobs: Uint8Array[];
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

/** Expands a policy path (glob allowed) to existing paths; records it as missing when nothing matches. */
export function expand(ctx: FsContext, pattern: string): string[] {
  const found = hasGlob(pattern) ? expandGlob(pattern, ctx.fs) : ctx.fs.lstat(pattern) !== undefined ? [pattern] : [];
  if (found.length === 0) ctx.missing.push(pattern);
  return found;
}

/** Hides a path the way a blacklist does: its canonical target, whatever the path's symlinks say. */
export function hide(ctx: FsContext, path: string): void {
  const real = ctx.fs.realpath(path);
  if (real === undefined) {
    ctx.missing.push(path);
    return;
  }
  const info = ctx.fs.lstat(real);
  if (info === undefined) return;
  const content: Content = { kind: 'hidden', type: info.type === 'dir' ? 'dir' : 'file' };
  ctx.tree.mount(real, content);
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
