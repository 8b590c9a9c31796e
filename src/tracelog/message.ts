/**
 * The log lines, in Firejail's words ("blacklist violation - sandbox PID, name NAME, exe EXE, syscall
 * CALL, path PATH"), with the program's pid added, and the RFC 3164 datagram that carries one to syslog.
 */

export interface Violation {
  readonly sandboxPid: number;
  /** The sandbox's name; empty: none (the word is left out, as Firejail does). */
  readonly name: string;
  /** The program's command name (/proc/PID/comm) and pid, as kiln sees it. */
  readonly exe: string;
  readonly pid: number;
  readonly syscall: string;
  /** The canonical path the call reached, and the path as the program wrote it. */
  readonly path: string;
  readonly asWritten: string;
}

function sandboxWords(sandboxPid: number, name: string): string {
  return `sandbox ${sandboxPid}${name !== '' ? `, name ${name}` : ''}`;
}

export function violationLine(v: Violation): string {
  const named = v.asWritten !== v.path ? ` (named ${v.asWritten})` : '';
  return `blacklist violation - ${sandboxWords(v.sandboxPid, v.name)}, exe ${v.exe}, pid ${v.pid}, syscall ${v.syscall}, path ${v.path}${named}`;
}

export function suppressedLine(sandboxPid: number, name: string, count: number): string {
  return `blacklist violation - ${sandboxWords(sandboxPid, name)}: ${count} more not logged (rate limit)`;
}

/** LOG_LOCAL1 | LOG_INFO, Firejail's facility and level. */
const PRIORITY = 17 * 8 + 6;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `<142>Dec  4 21:34:02 kiln[PID]: TEXT`, as syslog(3) sends it to /dev/log. */
export function syslogDatagram(text: string, pid: number, at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${MONTHS[at.getMonth()]} ${String(at.getDate()).padStart(2, ' ')} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  // NOTE: a control character (a newline in a file name) would split or garble the line in the log.
  return `<${PRIORITY}>${stamp} kiln[${pid}]: ${text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
}
