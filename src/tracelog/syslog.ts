/**
 * Sends lines to the system log: RFC 3164 datagrams on the unix socket syslog(3) uses (/dev/log, or the
 * socket the caller named in KILN_SYSLOG_SOCKET), connected again after a send fails, as syslog(3) does
 * when the daemon restarts. With no system log at all (a container, a machine without a syslog daemon or
 * journald), the lines go to kiln's stderr instead, after one line saying why: they are not dropped.
 */
import { cString, errno, ptr } from '../sys/libc.ts';
import { writeAll } from '../sys/fs.ts';
import { strerror } from '../errors.ts';
import { tracelogLibc } from './ffi.ts';
import { syslogDatagram } from './message.ts';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;

export const DEFAULT_SYSLOG_SOCKET = '/dev/log';

export interface LogSink {
  write(text: string): void;
}

function connectTo(path: string): number | { errno: number } {
  const l = tracelogLibc();
  const fd = l.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return { errno: errno() };
  const addr = new Uint8Array(110); // struct sockaddr_un
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(cString(path).subarray(0, 107), 2);
  if (l.connect(fd, ptr(addr), addr.length) !== 0) {
    const e = errno();
    l.close(fd);
    return { errno: e };
  }
  return fd;
}

export function openSyslog(path: string, pid: number): LogSink {
  const l = tracelogLibc();
  let fd: number | undefined;
  let toldStderr = false;
  const sendOnce = (bytes: Uint8Array): number => {
    if (fd === undefined) {
      const c = connectTo(path);
      if (typeof c !== 'number') return c.errno;
      fd = c;
    }
    if (Number(l.send(fd, ptr(bytes), bytes.length, MSG_NOSIGNAL)) >= 0) return 0;
    const e = errno();
    l.close(fd);
    fd = undefined;
    return e;
  };
  return {
    write(text) {
      const bytes = new TextEncoder().encode(syslogDatagram(text, pid, new Date()));
      const e = sendOnce(bytes) === 0 ? 0 : sendOnce(bytes);
      if (e === 0) return;
      if (!toldStderr) writeAll(2, `kiln: tracelog: cannot write to the system log at ${path} (${strerror(e)}); its lines follow here\n`);
      toldStderr = true;
      writeAll(2, `kiln: tracelog: ${text}\n`);
    },
  };
}
