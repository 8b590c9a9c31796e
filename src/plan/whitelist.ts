/**
 * whitelist / whitelist-ro: the "top directory" of each whitelisted path becomes a tmpfs and only the
 * whitelisted paths are bound back from the host, so changes to them persist and everything else written
 * under the top directory is discarded.
 *
 * Top directories, as firejail(1) defines them: every directory in / except /proc and /sys; /sys/module;
 * /run/user/$UID; $HOME; and every directory in /usr. Symbolic links keep Firejail's rule: the link and
 * its target must share a top directory, except in $HOME, where both must belong to the user; a link that
 * points elsewhere does not expose its target.
 */
import type { FsRule } from '../policy/policy.ts';
import { exists, expand, type FsContext } from './fs-context.ts';
import { matchPath } from './glob.ts';
import { privateHomeKind } from './private.ts';
import { parentOf } from './tree.ts';

export function topDirOf(ctx: FsContext, path: string): string | undefined {
  const under = (dir: string) => path === dir || path.startsWith(`${dir}/`);
  if (under(ctx.home) && ctx.home !== '/') return ctx.home;
  if (under(ctx.runUser)) return ctx.runUser;
  if (under('/sys/module')) return '/sys/module';
  const parts = path.split('/').filter((p) => p !== '');
  const first = parts[0];
  if (first === undefined || first === 'proc' || first === 'sys') return undefined;
  if (first === 'usr') return parts[1] === undefined ? undefined : `/usr/${parts[1]}`;
  return `/${first}`;
}

interface Entry {
  /** A host path to bind at the same place; absent for a symlink whose target stays out. */
  readonly path?: string;
  readonly ro: boolean;
  /** A symlink to create at `link.at`, pointing at `link.target`. */
  readonly link?: { readonly at: string; readonly target: string };
}

type WhitelistRule = Extract<FsRule, { kind: 'whitelist' }>;

/** The part of a pattern before its first glob character, cut back to a whole path component. */
function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?[]/);
  if (i < 0) return pattern;
  return pattern.slice(0, pattern.lastIndexOf('/', i)) || '/';
}

function entriesFor(ctx: FsContext, rule: WhitelistRule): { top: string; entry?: Entry }[] {
  // NOTE: as in Firejail, a whitelist command empties its top directory even when nothing it names
  // exists: the profile asked for everything else there to be hidden.
  // The top is where the named path lies, not where a symlink there leads: whitelist /run/shm (a link
  // to /dev/shm) empties /run, not /dev. So only the prefix's parent is resolved.
  const prefix = literalPrefix(rule.path);
  const realParent = prefix === '/' ? undefined : ctx.fs.realpath(parentOf(prefix));
  const located = realParent === undefined ? prefix : `${realParent === '/' ? '' : realParent}/${prefix.slice(prefix.lastIndexOf('/') + 1)}`;
  const patternTop = topDirOf(ctx, located);
  const out: { top: string; entry?: Entry }[] = patternTop === undefined ? [] : [{ top: patternTop }];
  for (const p of expand(ctx, rule.path)) {
    if (rule.except.some((pattern) => matchPath(pattern, p))) continue;
    const info = ctx.fs.lstat(p);
    const real = ctx.fs.realpath(p);
    if (info === undefined || real === undefined) {
      ctx.missing.push(p);
      continue;
    }
    const linkTop = topDirOf(ctx, p);
    const realTop = topDirOf(ctx, real);
    if (realTop === undefined || linkTop === undefined) {
      ctx.missing.push(`${p} (not under a whitelist top directory)`);
      continue;
    }
    if (info.type !== 'symlink') {
      out.push({ top: realTop, entry: { path: real, ro: rule.readOnly } });
      continue;
    }
    const inHome = linkTop === ctx.home;
    const allowed = inHome
      ? info.uid === ctx.facts.uid && ctx.fs.lstat(real)?.uid === ctx.facts.uid && realTop === ctx.home
      : realTop === linkTop;
    if (!allowed) {
      // The link itself is kept, but its target is not whitelisted: it shows only if visible anyway.
      ctx.missing.push(`${p} (symlink to ${real} leaves its top directory; target not whitelisted)`);
      out.push({ top: linkTop, entry: { ro: rule.readOnly, link: { at: p, target: real } } });
      continue;
    }
    out.push({ top: realTop, entry: { path: real, ro: rule.readOnly, link: { at: p, target: real } } });
  }
  return out;
}

export function planWhitelist(ctx: FsContext): void {
  const rules = ctx.policy.fs.filter((r): r is WhitelistRule => r.kind === 'whitelist');
  if (rules.length === 0) return;
  const byTop = new Map<string, Entry[]>();
  for (const rule of rules) {
    for (const { top, entry } of entriesFor(ctx, rule)) {
      const list = byTop.get(top) ?? [];
      if (entry !== undefined) list.push(entry);
      byTop.set(top, list);
    }
  }
  // As in Firejail, a private home (private, private DIR, private-home) ignores whitelists of the real
  // home's contents: they would bind the real files into it. (It is planned after the whitelists, so a
  // whitelist of /tmp or /home does not cover it.)
  const privateHome = privateHomeKind(ctx.policy) !== undefined;
  // Outer tops first: a home under /tmp is mounted inside /tmp's tmpfs, not covered by it.
  for (const [top, entries] of [...byTop].sort(([a], [b]) => a.length - b.length)) {
    if (!exists(ctx, top)) continue;
    if (privateHome && top === ctx.home) {
      for (const e of entries) ctx.missing.push(`${e.path ?? e.link?.at ?? top} (whitelist ignored: private home)`);
      continue;
    }
    const mode = ctx.fs.lstat(top)?.mode ?? 0o755;
    ctx.tree.mount(top, { kind: 'tmpfs', perms: mode & 0o7777 });
    for (const e of [...entries].sort((a, b) => (a.path ?? '').length - (b.path ?? '').length)) {
      if (e.path !== undefined) {
        ctx.tree.mount(e.path, { kind: 'host', src: e.path }, { ro: e.ro });
        ctx.whitelisted.push(e.path);
      }
      if (e.link !== undefined && e.link.at !== e.link.target) ctx.tree.mount(e.link.at, { kind: 'symlink', target: e.link.target });
    }
  }
}
