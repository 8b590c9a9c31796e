/** Namespace file descriptors: the user namespace that owns a namespace, or the one above a user namespace. */
import { libc, ptr } from './libc.ts';

const NS_GET_USERNS = 0xb701;
const NS_GET_PARENT = 0xb702;

/**
 * ioctl(NS_GET_USERNS) (`owner`: the user namespace that owns the namespace open at `fd`) or
 * ioctl(NS_GET_PARENT) (`parent`: the user namespace above the one open at `fd`). A new close-on-exec fd,
 * or -1 with errno set.
 */
export function userNsOf(fd: number, which: 'owner' | 'parent'): number {
  return libc().ioctl(fd, which === 'owner' ? NS_GET_USERNS : NS_GET_PARENT, ptr(new Uint8Array(8)));
}
