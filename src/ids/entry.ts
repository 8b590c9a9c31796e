/** One scanned path, as the database records it and as a scan finds it. */

interface Common {
  /** The path, escaped by escapeName (paths.ts). */
  readonly path: string;
  /** Permission bits, setuid/setgid/sticky included (st_mode & 07777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export type Entry =
  /** `sha256` absent: kiln could not read the file (`unreadable` says why). */
  | (Common & { readonly type: 'file'; readonly sha256?: string; readonly unreadable?: string })
  /** A directory; `unreadable`: kiln could not list it, so nothing under it was scanned. */
  | (Common & { readonly type: 'dir'; readonly unreadable?: string })
  /** A symbolic link, never followed: its text is what is checked (escaped like a path). */
  | (Common & { readonly type: 'symlink'; readonly target: string })
  /** A FIFO, socket or device: never opened, so only its kind, mode and owner are checked. */
  | (Common & { readonly type: 'special'; readonly kind: 'fifo' | 'socket' | 'char' | 'block' });

export type EntryType = Entry['type'];

/** `rwsr-xr-x`, as ls writes the permission bits (Firejail's report uses the same). */
export function modeString(mode: number): string {
  const triplet = (bits: number, special: boolean, s: string, S: string): string =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${special ? (bits & 1 ? s : S) : bits & 1 ? 'x' : '-'}`;
  return (
    triplet((mode >> 6) & 7, (mode & 0o4000) !== 0, 's', 'S') +
    triplet((mode >> 3) & 7, (mode & 0o2000) !== 0, 's', 'S') +
    triplet(mode & 7, (mode & 0o1000) !== 0, 't', 'T')
  );
}
