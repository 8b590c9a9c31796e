/**
 * One fd over a unix socket (SCM_RIGHTS): the init stage sends the seccomp listener to the supervisor.
 * The buffers are built before anything is sent, so that sending allocates nothing (the init stage runs
 * it just before the program's limits are set, see init.ts).
 */
import { SyscallError } from '../errors.ts';
import { errno, ptr } from '../sys/libc.ts';
import { tracelogLibc } from './ffi.ts';

const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
/** CMSG_SPACE(sizeof(int)) on 64-bit Linux: a 16-byte header and the int, padded to 8. */
const CMSG_SPACE_INT = 24;
const CMSG_LEN_INT = 20;
const MSGHDR_BYTES = 56;
const MSG_CMSG_CLOEXEC = 0x40000000;

interface Message {
  readonly hdr: BigUint64Array;
  readonly control: Uint8Array;
  readonly keep: readonly unknown[];
}

/** struct msghdr with one byte of data and room for one fd. */
function message(): Message {
  const byte = new Uint8Array(1);
  const iov = new BigUint64Array([BigInt(ptr(byte)), 1n]);
  // NOTE: an ArrayBuffer first: asking a small typed array for its .buffer later moves its bytes (JSC),
  // and a pointer taken before would be stale.
  const control = new Uint8Array(new ArrayBuffer(CMSG_SPACE_INT));
  const hdr = new BigUint64Array(MSGHDR_BYTES / 8);
  hdr[2] = BigInt(ptr(iov)); // msg_iov
  hdr[3] = 1n; // msg_iovlen
  hdr[4] = BigInt(ptr(control)); // msg_control
  hdr[5] = BigInt(control.length); // msg_controllen
  return { hdr, control, keep: [byte, iov] };
}

/** A sender of one fd over `sock`, prepared now; calling it sends. */
export function prepareSendFd(sock: number): (fd: number) => void {
  const m = message();
  const view = new DataView(m.control.buffer);
  view.setBigUint64(0, BigInt(CMSG_LEN_INT), true);
  view.setInt32(8, SOL_SOCKET, true);
  view.setInt32(12, SCM_RIGHTS, true);
  const l = tracelogLibc();
  return (fd) => {
    view.setInt32(16, fd, true);
    if (Number(l.sendmsg(sock, ptr(m.hdr), 0)) !== 1) throw new SyscallError('sendmsg', errno(), "the seccomp listener to kiln's tracelog supervisor");
    void m.keep.length;
  };
}

/** Receives one fd (close-on-exec); undefined at end of file (every sender has gone). */
export function receiveFd(sock: number): number | undefined {
  const m = message();
  const n = Number(tracelogLibc().recvmsg(sock, ptr(m.hdr), MSG_CMSG_CLOEXEC));
  if (n < 0) throw new SyscallError('recvmsg', errno(), 'the seccomp listener');
  if (n === 0) return undefined;
  const view = new DataView(m.control.buffer);
  if (Number(m.hdr[5]) < CMSG_LEN_INT || view.getInt32(8, true) !== SOL_SOCKET || view.getInt32(12, true) !== SCM_RIGHTS) {
    throw new SyscallError('recvmsg', 22, 'a message without an fd');
  }
  void m.keep.length;
  return view.getInt32(16, true);
}
