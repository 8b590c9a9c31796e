/**
 * How kiln runs strace, the tracing layer of --trace and --build. strace goes in front of bwrap, outside
 * the sandbox, so the profile applies to the program exactly as without it (seccomp included: the
 * program's own filter is not weakened to let a tracer in) and static binaries, raw syscalls, threads
 * and children are all seen. scope.ts finds where kiln's stages end and the program begins.
 *
 * NOTE: strace is started under setpriv's parent-death signal: if tini goes (kiln was SIGKILLed), strace
 * goes too, and bwrap's --die-with-parent, whose parent strace now is, ends the sandbox.
 */

/** The calls --trace shows; with --seccomp-bpf, the kernel stops the program only for these. */
export const TRACE_CALLS = ['execve', 'execveat', 'open', 'openat', 'openat2', 'creat', 'socket', 'connect', 'bind'];

export type TraceMode =
  /** --trace: the calls above, formatted by the relay as the program runs. */
  | 'calls'
  /** --build: every call, into a file that the builder reads when the program has ended. */
  | 'all';

export interface TraceSetup {
  readonly mode: TraceMode;
  readonly strace: string;
  readonly setpriv: string;
}

/** The words in front of bwrap: setpriv, strace and its options, writing to `output`. */
export function straceWords(t: TraceSetup, output: string): string[] {
  // NOTE: paths are printed in full whatever -s says; -s cuts only other strings (argv, read and write
  // buffers), which would otherwise make a build's trace of a busy program gigabytes long.
  const common = ['-f', '-qq', '-y', '-Y', '-s', '64', '-e', 'signal=none', '-o', output];
  const select = t.mode === 'calls' ? ['--seccomp-bpf', '-e', `trace=${TRACE_CALLS.join(',')}`] : [];
  return [t.setpriv, '--pdeathsig', 'KILL', '--', t.strace, ...common, ...select, '--'];
}
