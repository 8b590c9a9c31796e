/**
 * firecfg's links: `BINDIR/NAME → kiln`. What a name in the bin directory is now, what to do about it
 * (planLinks, pure), and the few calls that create, list and remove links.
 *
 * A link is kiln's when it is a symlink that resolves to kiln's executable. Anything else with a
 * program's name (a regular file, a symlink elsewhere, a dangling symlink) is someone else's: firecfg
 * neither replaces nor removes it.
 */
import { readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { assertNever, HostError } from '../errors.ts';
import { DT_LNK, listDir, realPath, stat } from '../sys/fs.ts';
import { RESERVED_NAMES } from './firecfg-list.ts';

export type BinEntry =
  | { readonly kind: 'absent' }
  | { readonly kind: 'kiln' }
  /** A symlink that does not resolve to kiln (`target` as it reads), dangling ones included. */
  | { readonly kind: 'link'; readonly target: string }
  | { readonly kind: 'other'; readonly type: 'file' | 'directory' | 'special file' };

/** What a symlink reads, for a message; `?` if it went away meanwhile. */
function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '?'; // only a message depends on it
  }
}

export function inspectEntry(path: string, kilnExe: string): BinEntry {
  const st = stat(path, true);
  if (st === undefined) return { kind: 'absent' };
  if (st.isSymlink) return realPath(path) === kilnExe ? { kind: 'kiln' } : { kind: 'link', target: linkTarget(path) };
  return { kind: 'other', type: st.isFile ? 'file' : st.isDir ? 'directory' : 'special file' };
}

/** One candidate program, as the host shows it. */
export interface LinkCandidate {
  readonly name: string;
  /** The program a link would run (found on PATH past the bin directory and kiln); absent: not installed. */
  readonly program?: string;
  /** The profile kiln would read for it; absent: none. */
  readonly profile?: string;
  /** What BINDIR/NAME is now. */
  readonly entry: BinEntry;
}

export type LinkStep =
  | { readonly kind: 'create'; readonly name: string; readonly program: string; readonly profile: string }
  /** kiln's link is there already. */
  | { readonly kind: 'keep'; readonly name: string; readonly program: string; readonly profile: string }
  /** Something that is not kiln's has the name: left alone. */
  | { readonly kind: 'occupied'; readonly name: string; readonly entry: Exclude<BinEntry, { kind: 'absent' | 'kiln' }> }
  | { readonly kind: 'not-installed'; readonly name: string; readonly entry: BinEntry }
  | { readonly kind: 'no-profile'; readonly name: string; readonly program: string; readonly entry: BinEntry };

/**
 * What the default action does with each candidate. A program that is not installed, or that has no
 * profile, gets no link; a link of kiln's already there for it is left as it is (only --clean removes).
 */
export function planLinks(candidates: readonly LinkCandidate[]): LinkStep[] {
  return candidates.map((c): LinkStep => {
    const { name, program, profile, entry } = c;
    if (program === undefined) return { kind: 'not-installed', name, entry };
    if (profile === undefined) return { kind: 'no-profile', name, program, entry };
    switch (entry.kind) {
      case 'absent':
        return { kind: 'create', name, program, profile };
      case 'kiln':
        return { kind: 'keep', name, program, profile };
      case 'link':
      case 'other':
        return { kind: 'occupied', name, entry };
      default:
        return assertNever(entry);
    }
  });
}

/** How an entry that is not kiln's reads in a message. */
export function describeEntry(entry: Exclude<BinEntry, { kind: 'absent' | 'kiln' }>): string {
  switch (entry.kind) {
    case 'link':
      return `a link to ${entry.target}`;
    case 'other':
      return `a ${entry.type}`;
    default:
      return assertNever(entry);
  }
}

/** The names in `bindir` that are links to kiln, sorted; kiln's own names (`kiln`, `firecfg`) excepted. */
export function listKilnLinks(bindir: string, kilnExe: string): string[] {
  const names: string[] = [];
  for (const e of listDir(bindir) ?? []) {
    // d_type 0: the file system does not say; inspectEntry's lstat does.
    if ((e.type !== DT_LNK && e.type !== 0) || RESERVED_NAMES.has(e.name)) continue;
    if (inspectEntry(`${bindir}/${e.name}`, kilnExe).kind === 'kiln') names.push(e.name);
  }
  return names.sort();
}

const WRITE_DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** The error for a bin directory the caller may not change. */
export function notWritable(bindir: string, cause?: unknown): HostError {
  const how = bindir === '/usr/local/bin' ? 'run firecfg as root, or use --bindir=DIR with a directory of yours' : 'run firecfg as a user who may write there, or use another --bindir=DIR';
  return new HostError(`cannot write to ${bindir}: ${how} (one that comes before /usr/bin on PATH)`, { cause });
}

/**
 * Creates `path → kilnExe`. False if something took the name since it was inspected (symlink(2) never
 * replaces anything).
 */
export function createLink(path: string, bindir: string, kilnExe: string): boolean {
  try {
    symlinkSync(kilnExe, path);
    return true;
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EEXIST') return false;
    if (code !== undefined && WRITE_DENIED.has(code)) throw notWritable(bindir, e);
    throw new HostError(`cannot create ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Removes kiln's link at `path`, after checking once more that it is kiln's. False if it no longer is. */
export function removeLink(path: string, bindir: string, kilnExe: string): boolean {
  if (inspectEntry(path, kilnExe).kind !== 'kiln') return false;
  try {
    unlinkSync(path);
    return true;
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') return false;
    if (code !== undefined && WRITE_DENIED.has(code)) throw notWritable(bindir, e);
    throw new HostError(`cannot remove ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
