/** /proc/self/mountinfo, parsed: mount points and their per-mount flags. */

export interface MountEntry {
  readonly id: number;
  readonly mountPoint: string;
  readonly options: readonly string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 6) continue;
    out.push({ id: Number(f[0]), mountPoint: unescape(f[4] ?? ''), options: (f[5] ?? '').split(',') });
  }
  return out;
}

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_REMOUNT = 32;
export const MS_NOATIME = 1024;
export const MS_NODIRATIME = 2048;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_SLAVE = 1 << 19;
export const MS_RELATIME = 1 << 21;
export const MS_STRICTATIME = 1 << 24;

const OPTION_FLAGS: Readonly<Record<string, number>> = {
  ro: MS_RDONLY,
  nosuid: MS_NOSUID,
  nodev: MS_NODEV,
  noexec: MS_NOEXEC,
  noatime: MS_NOATIME,
  nodiratime: MS_NODIRATIME,
  relatime: MS_RELATIME,
};

/**
 * The flags a bind remount must repeat. NOTE: in a user namespace the kernel locks the flags a mount was
 * created with (ro, nosuid, nodev, noexec, atime); a remount that omits one fails with EPERM.
 */
export function mountFlags(options: readonly string[]): number {
  let flags = 0;
  for (const o of options) flags |= OPTION_FLAGS[o] ?? 0;
  return flags;
}
