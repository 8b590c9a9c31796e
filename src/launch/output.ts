/**
 * `--output` and `--output-stderr`, the launcher's half: the program's stdout (and stderr) become the
 * writing end of a pseudo-terminal when kiln's stdout is a terminal, so that the program still sees one,
 * or of a pipe otherwise; kiln's log relay (output-relay.ts, kiln's own binary in a mode of its own) reads
 * the other end, copies it to kiln's stdout and appends it to the log, rotating the log as Firejail does.
 *
 * Lifetime: the relay exits when the last writing end closes (EIO on a pty, end of file on a pipe), which
 * is when tini, bwrap and the program have all gone, SIGKILL included. It holds no end itself.
 *
 * NOTE: Firejail copies through a pipe, so under Firejail a program loses its terminal; kiln keeps one.
 * The relay is a Bun process (32 MB PSS measured) that lives as long as the sandbox, and runs only
 * when --output asks for it: no tool in Debian copies a terminal's output with Firejail's rotation.
 */
import { HostError, SyscallError } from '../errors.ts';
import { makePipe } from '../helpers/spawn.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { O_WRONLY, O_RDWR, O_CREAT, O_NOCTTY, O_APPEND, O_NOFOLLOW, O_CLOEXEC } from '../sys/flags.ts';

const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const TCSANOW = 0;
/** struct termios is 60 bytes on Linux (glibc); c_oflag is its second word. */
const TERMIOS_SIZE = 64;
const OPOST = 1;

export const RELAY_FLAG = '--kiln-output';

/** A pseudo-terminal whose slave is set up like `tty`: its window size, and its modes without output processing. */
function openPty(tty: number): { master: number; slave: number } {
  const l = libc();
  const master = l.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) throw new SyscallError('posix_openpt', errno());
  if (l.grantpt(master) !== 0 || l.unlockpt(master) !== 0) throw new SyscallError('unlockpt', errno());
  const name = new Uint8Array(128);
  const rc = l.ptsname_r(master, ptr(name), name.length);
  if (rc !== 0) throw new SyscallError('ptsname_r', rc);
  const path = new TextDecoder().decode(name.subarray(0, name.indexOf(0)));
  const slave = l.open(ptr(cString(path)), O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
  if (slave < 0) throw new SyscallError('open', errno(), path);
  const termios = new Uint8Array(TERMIOS_SIZE);
  if (l.tcgetattr(tty, ptr(termios)) === 0) {
    // NOTE: without output processing the bytes reach the log as the program wrote them ("\n", not
    // "\r\n"); the caller's own terminal still applies its processing when the relay writes to it.
    const view = new DataView(termios.buffer);
    view.setUint32(4, view.getUint32(4, true) & ~OPOST, true);
    l.tcsetattr(slave, TCSANOW, ptr(termios));
  }
  const size = new Uint16Array(4);
  if (l.ioctl(tty, TIOCGWINSZ, ptr(size)) === 0) l.ioctl(slave, TIOCSWINSZ, ptr(size));
  return { master, slave };
}

function isTerminal(fd: number): boolean {
  return libc().tcgetattr(fd, ptr(new Uint8Array(TERMIOS_SIZE))) === 0;
}

function pipeEnds(): { master: number; slave: number } {
  const [r, w] = makePipe();
  return { master: r, slave: w };
}

/**
 * Starts the relay and points this process's stdout (and stderr) at it; everything kiln execs next
 * inherits them. The log is opened here, so that a file kiln may not write stops the launch.
 */
export function startOutputRelay(output: { readonly file: string; readonly stderr: boolean }, option: string): number {
  const l = libc();
  const log = l.open(ptr(cString(output.file)), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644);
  if (log < 0) throw new HostError(`${option}: cannot write ${output.file}: ${new SyscallError('open', errno()).message}`);
  const ends = isTerminal(1) ? openPty(1) : pipeEnds();
  const relay = Bun.spawn(['/proc/self/exe', `${RELAY_FLAG}=3`, '--', output.file], {
    stdio: ['ignore', 'inherit', 'inherit', ends.master, log],
    env: {},
    // A session of its own: the terminal's job-control signals (Ctrl-C, Ctrl-Z) are the program's, not the relay's.
    detached: true,
  });
  relay.unref();
  l.close(ends.master);
  l.close(log);
  if (l.dup2(ends.slave, 1) < 0 || (output.stderr && l.dup2(ends.slave, 2) < 0)) throw new SyscallError('dup2', errno(), option);
  l.close(ends.slave);
  return relay.pid;
}
