/**
 * Reading a profile file without trusting it: a directory, a FIFO or a device, a huge file, an unreadable
 * file, a binary and a file in another encoding each come back as a reason, never as an exception or a
 * hang.
 */
import { strerror, SyscallError } from '../errors.ts';
import { readBytes, stat, type Stat } from '../sys/fs.ts';
import { decodeProfile } from './text.ts';

/** Far above any real profile (Firejail's largest file is 40 KiB), far below what could hurt. */
export const MAX_PROFILE_BYTES = 4 * 1024 * 1024;

export type FileRead =
  | {
      readonly kind: 'text';
      readonly text: string;
      /** device:inode, so that the same file under two names is recognized in an include cycle. */
      readonly id: string;
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'error'; readonly message: string; readonly line?: number; readonly col?: number };

function syscallMessage(e: SyscallError): string {
  return `cannot be read: ${strerror(e.errno)}`;
}

export function readProfileFile(path: string, maxBytes = MAX_PROFILE_BYTES): FileRead {
  let st: Stat | undefined;
  try {
    st = stat(path);
  } catch (e) {
    if (e instanceof SyscallError) return { kind: 'error', message: syscallMessage(e) };
    throw e;
  }
  if (st === undefined) return { kind: 'missing' };
  if (st.isDir) return { kind: 'error', message: 'is a directory, not a profile' };
  // NOTE: checked before open, so that a FIFO cannot block kiln. A file swapped for a FIFO between the stat
  // and the open would still block; only someone who can write the profile directory can do that.
  if (!st.isFile) return { kind: 'error', message: 'is not a regular file' };
  if (st.size > maxBytes) return { kind: 'error', message: `is too large (${st.size} bytes; the limit is ${maxBytes})` };
  let read: ReturnType<typeof readBytes>;
  try {
    read = readBytes(path, maxBytes);
  } catch (e) {
    if (e instanceof SyscallError) return { kind: 'error', message: syscallMessage(e) };
    throw e;
  }
  if (read === undefined) return { kind: 'missing' }; // removed since the stat
  if (read.truncated) return { kind: 'error', message: `is too large (more than ${maxBytes} bytes)` };
  const decoded = decodeProfile(read.bytes);
  if (decoded.kind === 'invalid') return { kind: 'error', message: decoded.message, line: decoded.line, col: decoded.col };
  return { kind: 'text', text: decoded.text, id: `${st.dev}:${st.ino}` };
}
