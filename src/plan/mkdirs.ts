/**
 * Where `mkdir` and `mkfile` make their paths. Firejail makes them on the host before it mounts the
 * private directories (and then shows them in those too); kiln makes a path that lands in one of the
 * sandbox's own tmpfs (a `private` or `private-home` home, a `private-tmp` /tmp) in that tmpfs only, so
 * the program sees it and the host is left alone. Under `private DIR`, DIR is the home: a path in the home
 * is made in DIR. Everything else is made on the host before planning (launch/mkdir.ts), so that a
 * whitelist of it has something to keep.
 */
import type { FsRule, Policy } from '../policy/policy.ts';
import { addBlob, type FsContext } from './fs-context.ts';
import { privateHomeKind } from './private.ts';
import type { BlobRef } from './types.ts';

export type MkRule = Extract<FsRule, { kind: 'mkdir' | 'mkfile' }>;

/** What launch/mkdir.ts makes on the host. */
export interface HostMkdirs {
  /** The rules whose paths are made on the host, as the profile gave them. */
  readonly rules: readonly MkRule[];
  /** The spellings of the home the rules' paths may start with (as given, and canonical). */
  readonly homes: readonly string[];
  /** Where a path in the home is made: the home itself, or the `private DIR` that stands for it. */
  readonly homeOnHost: string;
}

function isMk(r: FsRule): r is MkRule {
  return r.kind === 'mkdir' || r.kind === 'mkfile';
}

function under(path: string, dir: string): boolean {
  return dir !== '/' && (path === dir || path.startsWith(`${dir}/`));
}

function clean(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

/** Whether the rule's path lands in a tmpfs of the sandbox's own, by the policy alone. */
function inSandbox(policy: Policy, homes: readonly string[], path: string): boolean {
  const kind = privateHomeKind(policy);
  if ((kind === 'tmpfs' || kind === 'list') && homes.some((h) => under(path, h))) return true;
  return policy.privateTmp && under(path, '/tmp');
}

/** The rules whose paths are not in a tmpfs of the sandbox's own, to be made on the host. */
export function mkRulesOnHost(policy: Policy, homes: readonly string[]): MkRule[] {
  return policy.fs.filter(isMk).filter((r) => !inSandbox(policy, homes, clean(r.path)));
}

/** What launch/mkdir.ts makes. Nothing under --chroot: kiln writes nothing into DIR (plan/chroot.ts warns). */
export function hostMkdirs(policy: Policy, homes: readonly string[]): HostMkdirs {
  const ph = policy.privateHome;
  return {
    rules: policy.chroot !== undefined ? [] : mkRulesOnHost(policy, homes),
    homes,
    homeOnHost: ph?.kind === 'dir' ? ph.dir : (homes[0] ?? '/'),
  };
}

/**
 * The rules whose paths land in the sandbox's own tmpfs, as plain directories (mode 0700) and empty files
 * (0600) there, Firejail's modes. A path that meets anything but a directory on its way (a file, a
 * symlink, a bind of the host) is skipped, as is one whose tmpfs a later rule replaced: nothing here may
 * reach the host.
 */
export function planSandboxMkdirs(ctx: FsContext): void {
  const { tree, policy, facts } = ctx;
  const homes = [facts.home, ctx.home];
  let empty: BlobRef | undefined;
  for (const rule of policy.fs.filter(isMk)) {
    const path = clean(rule.path);
    if (!inSandbox(policy, homes, path)) continue;
    const base = homes.find((h) => under(path, h)) ?? '/tmp';
    const root = base === '/tmp' ? '/tmp' : ctx.home;
    if (tree.at(root)?.content.kind !== 'tmpfs') {
      ctx.missing.push(`${rule.path} (${rule.kind}: ${root} is not the sandbox's own)`);
      continue;
    }
    const parts = path.slice(base.length).split('/').filter((p) => p !== '');
    let cur = root;
    for (const [i, part] of parts.entries()) {
      cur = `${cur}/${part}`;
      const last = i === parts.length - 1;
      const node = tree.at(cur);
      if (node !== undefined) {
        if (node.content.kind === 'dir' || node.content.kind === 'tmpfs') continue;
        if (!(last && rule.kind === 'mkfile' && node.content.kind === 'file')) ctx.missing.push(`${rule.path} (${rule.kind}: ${cur} is in the way)`);
        break;
      }
      if (tree.covering(cur)?.content.kind !== 'tmpfs') {
        ctx.missing.push(`${rule.path} (${rule.kind}: ${cur} is not in the sandbox's own tmpfs)`);
        break;
      }
      if (last && rule.kind === 'mkfile') {
        empty ??= addBlob(ctx, new Uint8Array());
        tree.mount(cur, { kind: 'file', blob: empty, perms: 0o600 });
      } else tree.mount(cur, { kind: 'dir', perms: 0o700 });
    }
  }
}
