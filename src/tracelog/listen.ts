/**
 * The init stage's half of tracelog: loads the notifying filter (filter.ts) with a listener and hands the
 * listener to the supervisor outside the sandbox, through the socket the launch passed down; the program
 * never holds it. Fails closed: without a listener, the program does not start.
 */
import { SyscallError } from '../errors.ts';
import { errno, libc, ptr } from '../sys/libc.ts';
import { SYS_SECCOMP, tracelogLibc } from './ffi.ts';
import { prepareSendFd } from './fdpass.ts';

const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;
const EBUSY = 16;

/** Prepares everything (buffers, symbols) now; the returned step loads the filter and sends its listener. */
export function prepareTracelog(sock: number, filterB64: string): () => void {
  const nr = SYS_SECCOMP[process.arch];
  if (nr === undefined) throw new SyscallError('seccomp', 38, `tracelog: not known on ${process.arch}`);
  const program = Buffer.from(filterB64, 'base64');
  const fprog = new BigUint64Array([BigInt(program.length / 8), BigInt(ptr(program))]);
  const send = prepareSendFd(sock);
  const l = tracelogLibc();
  libc(); // compiled now, not after the filter is in place
  return () => {
    const listener = Number(l.syscall(nr, BigInt(SECCOMP_SET_MODE_FILTER), BigInt(SECCOMP_FILTER_FLAG_NEW_LISTENER), BigInt(ptr(fprog)), 0n));
    if (listener < 0) {
      const e = errno();
      // NOTE: one listener per filter tree: a kiln nested in another sandbox with tracelog gets EBUSY.
      throw new SyscallError('seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER)', e, e === EBUSY ? 'for tracelog (this process is already watched by another listener)' : 'for tracelog');
    }
    send(listener);
    l.close(listener);
    l.close(sock);
    void program.length;
  };
}
