/**
 * The mount tree the sandbox should end up with, built by applying rules in Firejail's order, then
 * flattened into bwrap's ordered op list.
 *
 * NOTE: bwrap always takes a bind's source from the host, so "make /x read-only" cannot be a remount of
 * whatever the sandbox already has at /x; it is a fresh bind of the host's /x. Applying rules directly as
 * bwrap ops would therefore let a later read-only bind re-expose files an earlier blacklist hid. Instead,
 * rules edit this tree (a blacklist removes everything beneath it; a flag change walks the subtree, as a
 * recursive remount would), and the tree is emitted parents first, so children always land on top.
 */
import { assertNever } from '../errors.ts';
import type { BlobRef, InitStep, MountOp } from './types.ts';

export type Content =
  /** The host's `src`, bound here (`devices` keeps device nodes usable). */
  | { readonly kind: 'host'; readonly src: string; readonly devices?: true }
  /** An empty tmpfs; its contents vanish with the sandbox. */
  | { readonly kind: 'tmpfs'; readonly perms?: number }
  /** Blacklisted: an empty, read-only, mode 0000 directory, or for a file an unopenable node. */
  | { readonly kind: 'hidden'; readonly type: 'dir' | 'file' }
  | { readonly kind: 'symlink'; readonly target: string }
  /** A file with the given contents. */
  | { readonly kind: 'data'; readonly blob: BlobRef; readonly perms?: number }
  /** A plain directory created inside a tmpfs parent (not a mount). */
  | { readonly kind: 'dir'; readonly perms?: number }
  /**
   * A plain file with the given contents, created inside a tmpfs parent (not a mount, so the program
   * can replace or remove it as it could at home).
   */
  | { readonly kind: 'file'; readonly blob: BlobRef; readonly perms?: number }
  | { readonly kind: 'proc' }
  | { readonly kind: 'dev' }
  /** A socket a helper makes in the sandbox's helper directory (resolved at launch), bound here. */
  | { readonly kind: 'helper'; readonly socket: string };

export interface Node {
  readonly path: string;
  content: Content;
  ro: boolean;
  noexec: boolean;
}

export type Flag = 'ro' | 'rw' | 'noexec';

function isUnder(path: string, dir: string): boolean {
  return dir === '/' ? path !== '/' : path.startsWith(`${dir}/`);
}

/** A directory or file made inside its parent's tmpfs: not a mount, so it provides no contents of its own. */
function isPlain(c: Content): boolean {
  return c.kind === 'dir' || c.kind === 'file';
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export class MountTree {
  private readonly nodes = new Map<string, Node>();
  /** Paths that need an in-sandbox remount because no bwrap op can carry the flag. */
  private readonly selfRemounts = new Map<string, { ro?: boolean; noexec?: boolean }>();

  /**
   * Puts `content` at `path`, covering (and forgetting) everything that was beneath it. A new mount does
   * not inherit its parent's read-only or noexec state (as on a live system, where a later mount is not
   * touched by an earlier remount); flags set afterwards reach it.
   */
  mount(path: string, content: Content, flags: { ro?: boolean; noexec?: boolean } = {}): void {
    for (const p of [...this.nodes.keys()]) if (isUnder(p, path)) this.nodes.delete(p);
    for (const p of [...this.selfRemounts.keys()]) if (p === path || isUnder(p, path)) this.selfRemounts.delete(p);
    this.nodes.set(path, {
      path,
      content,
      ro: flags.ro ?? content.kind === 'hidden',
      noexec: flags.noexec ?? false,
    });
  }

  /** The node whose mount provides `path`'s contents: the node at `path` or its nearest ancestor. */
  covering(path: string): Node | undefined {
    for (let p = path; ; p = parentOf(p)) {
      const n = this.nodes.get(p);
      if (n !== undefined && !isPlain(n.content)) return n;
      if (p === '/') return undefined;
    }
  }

  /** Whether the host's `path` shows through at the same place in the sandbox. */
  showsHost(path: string): boolean {
    const n = this.covering(path);
    return n !== undefined && n.content.kind === 'host' && n.content.src === n.path;
  }

  /** The node at exactly `path`, mount or not. */
  at(path: string): Node | undefined {
    return this.nodes.get(path);
  }

  hasNodeAtOrUnder(path: string): boolean {
    for (const p of this.nodes.keys()) if (p === path || isUnder(p, path)) return true;
    return false;
  }

  isHidden(path: string): boolean {
    return this.covering(path)?.content.kind === 'hidden';
  }

  /**
   * A recursive remount: sets `flag` on `path` and every mount beneath it. Where nothing is mounted at
   * `path`, the host bind that covers it is split off into a bind of its own (same source, subpath), or,
   * inside a tmpfs, an in-sandbox remount is recorded. Returns false if the path is hidden, or if the
   * covering bind's source has nothing at that place (`hostHas`).
   */
  setFlag(path: string, flag: Flag, hostHas: (src: string) => boolean = () => true): boolean {
    const cover = this.covering(path);
    if (cover === undefined || cover.content.kind === 'hidden') return false;
    // A covering bind that already has the flag needs no bind of its own for `path` (each costs bwrap a
    // mount-table read); a later flag change on the cover reaches the path through it just the same.
    const already = flag === 'noexec' ? cover.noexec : cover.ro === (flag === 'ro');
    if (cover.path !== path && !(already && cover.content.kind === 'host')) {
      if (cover.content.kind === 'host') {
        const rel = path.slice(cover.path === '/' ? 0 : cover.path.length);
        const src = cover.content.src === '/' ? rel : `${cover.content.src}${rel}`;
        // The bind's source may hold something else than the path's host namesake (private DIR as
        // home): nothing there, nothing to flag.
        if (!hostHas(src)) return false;
        this.nodes.set(path, {
          path,
          content: { kind: 'host', src, ...(cover.content.devices ? { devices: true as const } : {}) },
          ro: cover.ro,
          noexec: cover.noexec,
        });
      } else {
        const r = this.selfRemounts.get(path) ?? {};
        if (flag === 'noexec') r.noexec = true;
        else r.ro = flag === 'ro';
        this.selfRemounts.set(path, r);
      }
    }
    for (const n of this.nodes.values()) {
      if (n.path !== path && !isUnder(n.path, path)) continue;
      if (n.content.kind === 'hidden' || n.content.kind === 'symlink' || isPlain(n.content)) continue;
      if (flag === 'noexec') n.noexec = true;
      else n.ro = flag === 'ro';
    }
    return true;
  }

  /** Flattens the tree into bwrap ops (parents first) and in-sandbox steps. */
  emit(): { mounts: MountOp[]; initSteps: InitStep[] } {
    const mounts: MountOp[] = [];
    const initSteps: InitStep[] = [];
    const paths = [...this.nodes.keys()].sort(comparePaths);
    const children = new Map<string, string[]>();
    const parents = new Map<string, string>();
    const roots: string[] = [];
    for (const p of paths) {
      let parent: string | undefined;
      for (let q = p; q !== '/'; ) {
        q = parentOf(q);
        if (this.nodes.has(q)) {
          parent = q;
          break;
        }
      }
      if (parent === undefined) roots.push(p);
      else {
        children.set(parent, [...(children.get(parent) ?? []), p]);
        parents.set(p, parent);
      }
    }
    // Blacklisted leaves on a host bind: the path is there once bwrap is done, and no later op touches
    // it, so the init stage can hide it just as well (see hideInInit).
    const hides: { path: string; type: 'dir' | 'file'; at: number }[] = [];
    const devNull = this.covering('/dev/null')?.content.kind === 'dev' || this.showsHost('/dev/null');
    const visit = (p: string): void => {
      const n = this.nodes.get(p);
      if (n === undefined) return;
      const parent = this.nodes.get(parents.get(p) ?? '');
      // A file is hidden under the sandbox's own /dev/null, which must be there for the init stage.
      if (n.content.kind === 'hidden' && !children.has(p) && parent?.content.kind === 'host' && (n.content.type === 'dir' || devNull)) {
        hides.push({ path: p, type: n.content.type, at: mounts.length });
      }
      mounts.push(...openOps(n));
      for (const c of children.get(p) ?? []) visit(c);
      // A tmpfs must stay writable until every mount point beneath it has been created.
      // A hidden directory is a mode-0000 tmpfs: nothing of the host is in it, and what the sandbox
      // might put there is discarded, so it is not worth a remount (each costs bwrap a mount-table read).
      if (n.ro && n.content.kind === 'tmpfs') mounts.push({ kind: 'remount-ro', dest: p });
      if (n.noexec && n.content.kind !== 'hidden') initSteps.push({ kind: 'remount', dest: p, flags: ['noexec', 'nosuid', 'nodev'] });
    };
    for (const r of roots) visit(r);
    for (const [path, r] of [...this.selfRemounts].sort(([a], [b]) => comparePaths(a, b))) {
      // Under a tmpfs (a private home, say) a path exists only if a mount of the plan creates it at or
      // beneath it; otherwise the init stage would find nothing and skip it, so it is not worth starting
      // the init stage for (read-only ~/.bashrc in server.profile's empty home, for one).
      if (!paths.some((p) => p === path || isUnder(p, path))) continue;
      const flags: ('noexec' | 'nosuid' | 'nodev' | 'ro')[] = [];
      if (r.ro) flags.push('ro');
      if (r.noexec) flags.push('noexec', 'nosuid', 'nodev');
      if (flags.length > 0) initSteps.push({ kind: 'remount', dest: path, flags });
    }
    if (!hideInInit(hides, initSteps.length > 0)) return { mounts, initSteps };
    const moved = new Set(hides.map((h) => h.at));
    return {
      mounts: mounts.filter((_, i) => !moved.has(i)),
      initSteps: [...hides.map((h) => ({ kind: 'hide', dest: h.path }) as const), ...initSteps],
    };
  }

  /** For tests and --debug: the nodes in mount order. */
  list(): Node[] {
    return [...this.nodes.keys()].sort(comparePaths).map((p) => this.nodes.get(p) as Node);
  }
}

/**
 * Whether blacklisted leaves are cheaper to hide in kiln's init stage than with bwrap. bwrap re-reads the
 * whole mount table after every bind (so n binds cost O(n²)): measured here, a hidden directory (a tmpfs)
 * costs it about 0.05 ms and a hidden file (a /dev/null bind) about 0.16 ms, growing with the mount count,
 * while the init stage mounts each in about 0.01 ms but costs 5–8 ms to start (server.profile's 68
 * hides, 31 of them files, already launch faster there: 25.0 against 26.7 ms). A home with a few hundred
 * of the directories Firejail's profiles blacklist made bwrap alone take 35 ms.
 */
function hideInInit(hides: readonly { type: 'dir' | 'file' }[], initRunsAnyway: boolean): boolean {
  if (hides.length === 0) return false;
  if (initRunsAnyway) return true;
  const files = hides.filter((h) => h.type === 'file').length;
  return (hides.length - files) * HIDE_DIR_COST + files * HIDE_FILE_COST > INIT_STAGE_COST;
}

/** Relative costs for hideInInit, in units of 0.01 ms. */
const HIDE_DIR_COST = 5;
const HIDE_FILE_COST = 16;
const INIT_STAGE_COST = 550;

/** Orders paths component by component, so a directory sorts before everything inside it. */
export function comparePaths(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] ?? '';
    const q = y[i] ?? '';
    if (p !== q) return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

function openOps(n: Node): MountOp[] {
  const c = n.content;
  switch (c.kind) {
    case 'host':
      if (c.devices) {
        return n.ro
          ? [{ kind: 'dev-bind', src: c.src, dest: n.path }, { kind: 'remount-ro', dest: n.path }]
          : [{ kind: 'dev-bind', src: c.src, dest: n.path }];
      }
      return [{ kind: n.ro ? 'ro-bind' : 'bind', src: c.src, dest: n.path }];
    case 'tmpfs':
      return [{ kind: 'tmpfs', dest: n.path, ...(c.perms !== undefined ? { perms: c.perms } : {}) }];
    case 'hidden':
      // NOTE: a device node on a nodev mount cannot be opened (EACCES), which is what a blacklisted file
      // should answer; bwrap adds nodev to every non-device bind.
      return c.type === 'dir'
        ? [{ kind: 'tmpfs', dest: n.path, perms: 0 }]
        : [{ kind: 'ro-bind', src: '/dev/null', dest: n.path }];
    case 'symlink':
      return [{ kind: 'symlink', target: c.target, dest: n.path }];
    case 'data':
      return [{ kind: 'bind-data', blob: c.blob, dest: n.path, writable: !n.ro, ...(c.perms !== undefined ? { perms: c.perms } : {}) }];
    case 'dir':
      return [{ kind: 'dir', dest: n.path, ...(c.perms !== undefined ? { perms: c.perms } : {}) }];
    case 'file':
      return [{ kind: 'file', blob: c.blob, dest: n.path, ...(c.perms !== undefined ? { perms: c.perms } : {}) }];
    case 'proc':
      return [{ kind: 'proc', dest: n.path }];
    case 'dev':
      return [{ kind: 'dev', dest: n.path }];
    case 'helper':
      return [{ kind: 'helper-bind', socket: c.socket, dest: n.path }];
    default:
      return assertNever(c);
  }
}
