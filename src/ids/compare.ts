/**
 * What changed between the database and a fresh scan, and how the report says it. Pure.
 *
 * Each difference is one line on stdout, with Firejail's words so that a script written for Firejail's
 * report keeps working:
 *
 *   Warning: modified PATH       contents, type, link text, or readability changed
 *   Warning: permissions PATH: old rwxr-xr-x 0:0, new rwsr-xr-x 0:0   mode or owner (uid:gid) changed
 *   Warning: new file PATH       not in the database
 *   Warning: removed PATH        in the database, gone now (or no longer reachable)
 *
 * PATH is everything after the prefix (for permissions, up to the anchored `: old … new …$` suffix).
 */
import { assertNever } from '../errors.ts';
import { modeString, type Entry } from './entry.ts';

export type DifferenceKind = 'modified' | 'permissions' | 'new' | 'removed';

export type Difference =
  | { readonly kind: 'modified' | 'new' | 'removed'; readonly path: string }
  | { readonly kind: 'permissions'; readonly path: string; readonly old: Entry; readonly now: Entry };

/** Whether what the entry holds (not its metadata) differs. A file read once and not the other time has. */
function contentsDiffer(a: Entry, b: Entry): boolean {
  switch (a.type) {
    case 'file':
      return b.type !== 'file' || a.sha256 !== b.sha256 || a.unreadable !== undefined !== (b.unreadable !== undefined);
    case 'dir':
      return b.type !== 'dir' || a.unreadable !== undefined !== (b.unreadable !== undefined);
    case 'symlink':
      return b.type !== 'symlink' || a.target !== b.target;
    case 'special':
      return b.type !== 'special' || a.kind !== b.kind;
    default:
      return assertNever(a);
  }
}

/** Every difference, ordered by path (then modified before permissions). */
export function compareEntries(old: ReadonlyMap<string, Entry>, now: ReadonlyMap<string, Entry>): Difference[] {
  const out: Difference[] = [];
  for (const [path, a] of old) {
    const b = now.get(path);
    if (b === undefined) {
      out.push({ kind: 'removed', path });
      continue;
    }
    if (contentsDiffer(a, b)) out.push({ kind: 'modified', path });
    // A path that changed type is reported once, as modified: the new type's mode says nothing more.
    if (a.type === b.type && (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid)) out.push({ kind: 'permissions', path, old: a, now: b });
  }
  for (const path of now.keys()) if (!old.has(path)) out.push({ kind: 'new', path });
  // Code-unit order: the same on every machine, unlike localeCompare.
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

function ownerMode(e: Entry): string {
  return `${modeString(e.mode)} ${e.uid}:${e.gid}`;
}

/** The report line for one difference, without its newline. */
export function formatDifference(d: Difference): string {
  switch (d.kind) {
    case 'modified':
      return `Warning: modified ${d.path}`;
    case 'permissions':
      return `Warning: permissions ${d.path}: old ${ownerMode(d.old)}, new ${ownerMode(d.now)}`;
    case 'new':
      return `Warning: new file ${d.path}`;
    case 'removed':
      return `Warning: removed ${d.path}`;
    default:
      return assertNever(d);
  }
}

/** How many of each kind, for the summary line. */
export function countDifferences(diffs: readonly Difference[]): Record<DifferenceKind, number> {
  const counts: Record<DifferenceKind, number> = { modified: 0, permissions: 0, new: 0, removed: 0 };
  for (const d of diffs) counts[d.kind]++;
  return counts;
}
