/**
 * The host-facts half of `--appimage FILE`: what the file is, read before planning so that the planner
 * (src/desktop/appimage.ts) stays pure. A type 2 AppImage is an ELF runtime with its file system image (a
 * squashfs) appended after the ELF's last byte, the end of its section header table; bytes 8–10 of the
 * ELF identification hold the magic `AI\x02` (`AI\x01` for type 1, an ISO 9660 image).
 */
import { strerror, SyscallError, UsageError } from '../errors.ts';
import { readElfExtent } from '../plan/elf.ts';
import { identity, readRange, realPath, stat } from '../sys/fs.ts';

export interface AppImageFile {
  /** FILE as the user typed it (the runtime's ARGV0). */
  readonly typed: string;
  /** Its canonical absolute path on the host (the runtime's APPIMAGE). */
  readonly path: string;
  /** Where the squashfs starts in the file: squashfuse's offset. */
  readonly offset: number;
  /** The file's identity and contents stamp (device, inode, mode, owner, times, size), for the plan cache. */
  readonly id: string;
}

const SQUASHFS_MAGIC = [0x68, 0x73, 0x71, 0x73]; // "hsqs": a little-endian squashfs superblock

/** Reads `length` bytes at `offset`, turning a refused open into an error that names the file. */
function readAt(typed: string, path: string, offset: number, length: number): Uint8Array {
  try {
    return readRange(path, offset, length) ?? new Uint8Array();
  } catch (e) {
    if (e instanceof SyscallError) throw new UsageError(`--appimage: cannot read ${typed}: ${strerror(e.errno)}`, 1, { cause: e });
    throw e;
  }
}

/**
 * What `--appimage FILE` names, relative to `cwd`. Throws a UsageError naming the file if it is missing,
 * unreadable, not an AppImage, a type 1 AppImage (not supported), or has no squashfs where its header says.
 */
export function probeAppImage(typed: string, cwd: string): AppImageFile {
  const abs = typed.startsWith('/') ? typed : `${cwd === '/' ? '' : cwd}/${typed}`;
  const path = realPath(abs);
  const st = path === undefined ? undefined : stat(path);
  if (path === undefined || st === undefined) throw new UsageError(`--appimage: ${typed} was not found`);
  if (!st.isFile) throw new UsageError(`--appimage: ${typed} is not a regular file`);
  const head = readAt(typed, path, 0, 64);
  const elf = readElfExtent(head);
  if (elf === undefined) throw new UsageError(`--appimage: ${typed} is not an AppImage (not an ELF executable)`);
  const [a, i, type] = [elf.ident[8], elf.ident[9], elf.ident[10]];
  if (a !== 0x41 || i !== 0x49) throw new UsageError(`--appimage: ${typed} is not an AppImage (no AppImage magic in its ELF header)`);
  if (type === 1) throw new UsageError(`--appimage: ${typed} is a type 1 AppImage (an ISO 9660 image), which kiln does not support; only type 2 (squashfs) AppImages run`);
  if (type !== 2) throw new UsageError(`--appimage: ${typed} is an AppImage of unknown type ${type ?? '?'}; only type 2 (squashfs) AppImages run`);
  const magic = elf.end < st.size ? readAt(typed, path, elf.end, 4) : new Uint8Array();
  if (!SQUASHFS_MAGIC.every((b, k) => magic[k] === b)) {
    throw new UsageError(`--appimage: ${typed} has no squashfs image where its ELF part ends (byte ${elf.end}); kiln mounts squashfs AppImages only`);
  }
  return { typed, path, offset: elf.end, id: identity(path, true) };
}
