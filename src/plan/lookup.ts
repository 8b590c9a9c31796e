/**
 * Program lookup as execvp(3) will do it inside the sandbox: PATH in order, against the sandbox's
 * planned mount tree rather than the host, so a PATH entry the profile hides (a shim in ~/.pyenv that
 * `private` removes) is skipped, as it will be at exec time.
 *
 * NOTE: symlinks are followed on the host (FsView.realpath), and both the name and its final target must
 * show the host's file at the same place in the sandbox. A chain whose middle hop the sandbox changes
 * but whose ends it keeps is taken as the host resolves it; bwrap's exec has the last word.
 */
import type { FsView } from '../host/fsview.ts';
import type { MountTree } from './tree.ts';

/** The host path the sandbox shows at `path`, if a host bind covers it. */
function hostBehind(tree: MountTree, path: string): string | undefined {
  const n = tree.covering(path);
  if (n === undefined || n.content.kind !== 'host') return undefined;
  const rel = path.slice(n.path === '/' ? 0 : n.path.length);
  return n.content.src === '/' ? rel || '/' : `${n.content.src}${rel}`;
}

export type Found =
  /** `path` is where to exec it in the sandbox, `host` the file it is on the host (for private-lib). */
  | { readonly kind: 'found'; readonly path: string; readonly host: string }
  /** Nothing executable by that name in the sandbox; `hidden` lists host candidates the sandbox lacks. */
  | { readonly kind: 'missing'; readonly hidden: readonly string[]; readonly noexec: readonly string[] };

/** Whether the sandbox shows an executable regular file at `path`, and which host file it is. */
function check(tree: MountTree, fs: FsView, path: string): { host: string } | 'hidden' | 'noexec' | undefined {
  const behind = hostBehind(tree, path);
  const hostReal = fs.realpath(path);
  if (behind === undefined) return hostReal !== undefined ? 'hidden' : undefined;
  const real = fs.realpath(behind);
  if (real === undefined) return hostReal !== undefined ? 'hidden' : undefined;
  // The link's target must be the same file inside: the sandbox resolves it in its own tree.
  if (real !== behind && hostBehind(tree, real) !== real) return 'hidden';
  const info = fs.lstat(real);
  if (info === undefined || info.type !== 'file' || (info.mode & 0o111) === 0) return undefined;
  if (tree.covering(path)?.noexec === true || tree.covering(real)?.noexec === true) return 'noexec';
  return { host: real };
}

/**
 * Finds `name` as execvp would in the sandbox: a name with a slash is taken as it is (relative to `cwd`),
 * anything else is searched on `pathVar` (execvp's default when unset). Empty PATH entries mean the
 * working directory, as in execvp.
 */
export function lookupProgram(tree: MountTree, fs: FsView, name: string, pathVar: string | undefined, cwd: string): Found {
  const hidden: string[] = [];
  const noexec: string[] = [];
  const abs = (p: string) => (p.startsWith('/') ? p : `${cwd === '/' ? '' : cwd}/${p}`);
  const candidates = name.includes('/') ? [abs(name)] : (pathVar ?? '/bin:/usr/bin').split(':').map((dir) => abs(`${dir === '' ? '.' : dir}/${name}`));
  for (const raw of candidates) {
    const path = normalize(raw);
    const r = check(tree, fs, path);
    if (r === 'hidden') hidden.push(path);
    else if (r === 'noexec') noexec.push(path);
    else if (r !== undefined) return { kind: 'found', path, host: r.host };
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
