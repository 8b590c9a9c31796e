/**
 * Program lookup as execvp(3) will do it inside the sandbox: PATH in order, against the sandbox's
 * planned mount tree rather than the host, so a PATH entry the profile hides (a shim in ~/.pyenv that
 * `private` removes) is skipped, as it will be at exec time.
 *
 * NOTE: a host symlink the sandbox shows is followed to where the host resolves it (FsView has no
 * readlink), and that place is then looked up in the sandbox's tree again. A chain of host links whose
 * middle hop the sandbox changes is taken as the host resolves it; bwrap's exec has the last word.
 */
import type { FsView } from '../host/fsview.ts';
import { parentOf, type MountTree } from './tree.ts';

/**
 * Resolves `path` as the kernel will inside the sandbox: component by component against the mount tree,
 * following the symlinks the plan creates and the host's symlinks a host bind shows (a host link's target
 * is taken as the host resolves it, then looked up in the sandbox again). Returns the sandbox path it
 * ends at and the host file shown there, or undefined if the sandbox shows no host file there.
 */
function resolveIn(tree: MountTree, fs: FsView, path: string, hops = 0): { at: string; host: string } | undefined {
  if (hops > 40) return undefined; // ELOOP
  const comps = path.split('/').filter((c) => c !== '');
  for (let i = 1; i <= comps.length; i++) {
    const prefix = `/${comps.slice(0, i).join('/')}`;
    const rest = comps.slice(i).join('/');
    const n = tree.covering(prefix);
    if (n === undefined) return undefined;
    if (n.content.kind === 'symlink' && n.path === prefix) {
      const target = n.content.target.startsWith('/') ? n.content.target : `${parentOf(n.path)}/${n.content.target}`;
      return resolveIn(tree, fs, normalize(`${target}/${rest}`), hops + 1);
    }
    // A mount exactly here shows what its source resolved to when it was made: no link to follow.
    if (n.content.kind !== 'host' || n.path === prefix) continue;
    const host = mapped(n.path, n.content.src, prefix);
    if (fs.lstat(host)?.type === 'symlink') {
      const target = fs.realpath(host);
      return target === undefined ? undefined : resolveIn(tree, fs, normalize(`${target}/${rest}`), hops + 1);
    }
  }
  const n = tree.covering(path);
  if (n === undefined || n.content.kind !== 'host') return undefined;
  const host = mapped(n.path, n.content.src, path);
  const real = fs.realpath(host);
  return real === undefined ? undefined : { at: path, host: real };
}

/** The host path behind `path` in a bind of `src` at `mountPoint`. */
function mapped(mountPoint: string, src: string, path: string): string {
  const rel = path.slice(mountPoint === '/' ? 0 : mountPoint.length);
  return src === '/' ? rel || '/' : `${src}${rel}`;
}

export type Found =
  /** `path` is where to exec it in the sandbox, `host` the file it is on the host (for private-lib). */
  | { readonly kind: 'found'; readonly path: string; readonly host: string }
  /** Nothing executable by that name in the sandbox; `hidden` lists host candidates the sandbox lacks. */
  | { readonly kind: 'missing'; readonly hidden: readonly string[]; readonly noexec: readonly string[] };

/** Whether the sandbox shows an executable regular file at `path`, and which host file it is. */
function check(tree: MountTree, fs: FsView, path: string): { host: string } | 'hidden' | 'noexec' | undefined {
  const r = resolveIn(tree, fs, path);
  if (r === undefined) return fs.realpath(path) !== undefined ? 'hidden' : undefined;
  const info = fs.lstat(r.host);
  if (info === undefined || info.type !== 'file' || (info.mode & 0o111) === 0) return undefined;
  if (tree.covering(r.at)?.noexec === true) return 'noexec';
  return { host: r.host };
}

/**
 * Finds `name` as execvp would in the sandbox: a name with a slash is taken as it is (relative to `cwd`),
 * anything else is searched on `pathVar` (execvp's default when unset). Empty PATH entries mean the
 * working directory, as in execvp. A PATH entry whose file is `skip` on the host (kiln itself, under a
 * firecfg link's name) is passed over; a name with a slash is taken as given.
 */
export function lookupProgram(tree: MountTree, fs: FsView, name: string, pathVar: string | undefined, cwd: string, skip?: string): Found {
  const hidden: string[] = [];
  const noexec: string[] = [];
  const abs = (p: string) => (p.startsWith('/') ? p : `${cwd === '/' ? '' : cwd}/${p}`);
  const candidates = name.includes('/') ? [abs(name)] : (pathVar ?? '/bin:/usr/bin').split(':').map((dir) => abs(`${dir === '' ? '.' : dir}/${name}`));
  for (const raw of candidates) {
    const path = normalize(raw);
    const r = check(tree, fs, path);
    if (r === 'hidden') hidden.push(path);
    else if (r === 'noexec') noexec.push(path);
    else if (r !== undefined && (skip === undefined || name.includes('/') || r.host !== skip)) return { kind: 'found', path, host: r.host };
  }
  return { kind: 'missing', hidden, noexec };
}

/** Removes `.` and empty components and resolves `..` lexically (as the planner's paths are kept). */
function normalize(path: string): string {
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return `/${out.join('/')}`;
}
