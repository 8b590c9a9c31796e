/**
 * The launch's half of --trace and of --build's traced run: finds strace, opens where its output goes,
 * and for --trace starts the relay that formats it (relay.ts). Returns the words that go in front of
 * bwrap and the fd they need passed through.
 */
import { HostError, SyscallError } from '../errors.ts';
import { systemTool } from '../host/tools.ts';
import { makePipe, spawnWithFds } from '../helpers/spawn.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import type { TraceRequest } from '../trace/request.ts';
import { straceWords, type TraceSetup } from './strace.ts';
import { TRACE_RELAY_FLAG } from './relay.ts';
import { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW, O_CLOEXEC, F_SETFD } from '../sys/flags.ts';


export interface StartedTrace {
  /** setpriv, strace and its options, to go in front of bwrap. */
  readonly words: readonly string[];
  /** The writing end strace's `-o /proc/self/fd/N` names, to be passed through the exec. */
  readonly fd?: number;
  readonly relayPid?: number;
}

export function traceSetup(mode: TraceSetup['mode']): TraceSetup {
  const option = mode === 'calls' ? '--trace' : '--build';
  return { mode, strace: systemTool('strace', 'strace', option), setpriv: systemTool('setpriv', 'util-linux', option) };
}

/** Starts what `req` needs; `cwd` is where the program starts, for its relative paths. */
export function startTrace(req: TraceRequest, cwd: string): StartedTrace {
  if (req.kind === 'raw') return { words: straceWords(traceSetup('all'), req.path) };
  const setup = traceSetup('calls');
  const l = libc();
  let out = 2;
  if (req.file !== undefined) {
    out = l.open(ptr(cString(req.file)), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644);
    if (out < 0) throw new HostError(`--trace: cannot write ${req.file}: ${new SyscallError('open', errno()).message}`);
  }
  const [r, w] = makePipe();
  try {
    const pid = spawnWithFds(['/proc/self/exe', `${TRACE_RELAY_FLAG}=3`, '--', cwd], [], [r, out], 'the --trace relay');
    // strace opens /proc/self/fd/W afresh; W itself must survive kiln's exec to reach it.
    // NOTE: the init stage closes W before the program starts; a plan without it leaves W to the program,
    // which could write lines of its own. --trace is a debugging aid, not a boundary (docs/build.md).
    if (l.fcntl(w, F_SETFD, 0) < 0) throw new SyscallError('fcntl(F_SETFD)', errno(), 'the trace pipe');
    return { words: straceWords(setup, `/proc/self/fd/${w}`), fd: w, relayPid: pid };
  } catch (e) {
    l.close(w);
    throw e;
  } finally {
    l.close(r);
    if (out !== 2) l.close(out);
  }
}
