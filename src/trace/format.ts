/**
 * --trace's lines, in Firejail's shape `PID:COMM:call arguments:result`:
 *
 *   4711:cat:exec /usr/bin/cat:0
 *   4711:cat:openat /etc/hostname O_RDONLY:3
 *   4712:python3:socket AF_INET SOCK_STREAM|SOCK_CLOEXEC IPPROTO_IP:3
 *   4712:python3:connect 3 127.0.0.1 port 8000:0
 *
 * The result is the call's return value, or the errno's name when it failed.
 * NOTE: the pid is the host's (strace runs outside the sandbox's pid namespace), as --list shows them;
 * Firejail prints the pid inside the sandbox.
 */
import type { TraceEvent } from './events.ts';

function result(e: { readonly ok: boolean; readonly errno?: string }, value: number | undefined): string {
  return e.ok ? String(value ?? 0) : (e.errno ?? 'failed');
}

/** The line for an event, or undefined for events --trace does not show (stat and the like). */
export function formatEvent(pid: number, comm: string, e: TraceEvent): string | undefined {
  const head = `${pid}:${comm}:`;
  switch (e.kind) {
    case 'exec':
      // strace names the process as it was before the exec; Firejail names what it became.
      return `${e.ok ? `${pid}:${(e.path.split('/').pop() ?? comm).slice(0, 15)}:` : head}exec ${e.path}:${result(e, 0)}`;
    case 'open':
      return `${head}${e.call} ${e.path} ${e.flags}:${result(e, e.fd)}`;
    case 'socket':
      return `${head}${e.call} ${e.family} ${e.type} ${e.protocol}:${result(e, e.fd)}`;
    case 'connect':
    case 'bind':
      return `${head}${e.kind} ${e.fd} ${e.address}:${result(e, 0)}`;
    case 'path':
      return undefined;
  }
}
