/**
 * Whether kiln blocked a path: the blacklisted node that hides it, by the plan's mount tree. A path counts
 * when it or a directory above it is hidden and no mount the plan put beneath that (a `shown` node)
 * brings it back: the deepest of the two decides, as the mount that provides the path does.
 */

/** The tree's hidden nodes and the nodes mounted beneath one of them, all canonical sandbox paths. */
export interface Blacklist {
  readonly hidden: readonly string[];
  readonly shown: readonly string[];
}

export interface BlacklistIndex {
  readonly hidden: ReadonlySet<string>;
  readonly shown: ReadonlySet<string>;
}

export function indexBlacklist(b: Blacklist): BlacklistIndex {
  return { hidden: new Set(b.hidden), shown: new Set(b.shown) };
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The hidden node `canonical` lies at or beneath, or undefined if the sandbox shows it. */
export function hiddenBy(canonical: string, index: BlacklistIndex): string | undefined {
  if (!canonical.startsWith('/')) return undefined;
  for (let p = canonical.length > 1 && canonical.endsWith('/') ? canonical.slice(0, -1) : canonical; ; p = parentOf(p)) {
    if (index.shown.has(p)) return undefined;
    if (index.hidden.has(p)) return p;
    if (p === '/') return undefined;
  }
}

/** `rel` taken from the directory `base` (both as the sandbox names them); `..` is left to the resolver. */
export function joinPath(base: string, rel: string): string {
  if (rel.startsWith('/')) return rel;
  return base.endsWith('/') ? `${base}${rel}` : `${base}/${rel}`;
}

/** The directory part and the last component of a path, trailing slashes dropped ("/a/b/" → "/a", "b"). */
export function splitLast(path: string): { dir: string; base: string } {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return { dir: '/', base: '' };
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return { dir: '.', base: trimmed };
  return { dir: i === 0 ? '/' : trimmed.slice(0, i), base: trimmed.slice(i + 1) };
}
