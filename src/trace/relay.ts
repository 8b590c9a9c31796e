/**
 * --trace's relay, kiln's own binary in a mode of its own (`kiln --kiln-trace=3`): reads strace's output
 * from fd 3 until the last writer has gone, and writes the program's execs, opens, sockets, connects and
 * binds to fd 4 (the caller's stderr, or the --trace file), one line each (format.ts).
 *
 * Lifetime: the writing end is held by strace and the sandbox's processes only, so the relay sees end of
 * file when the sandbox has ended, SIGKILL included. It holds no writing end itself.
 * NOTE: the relay is a Bun process while --trace runs (a debugging option, never on by a profile).
 */
import { errno, libc, ptr } from '../sys/libc.ts';
import { writeAll } from '../sys/fs.ts';
import { ProgramCalls } from './calls.ts';
import { formatEvent } from './format.ts';

export const TRACE_RELAY_FLAG = '--kiln-trace';
const EINTR = 4;

/** The formatted lines of a whole trace (for tests and for --build's report). */
export function formatTrace(text: string, cwd: string): string[] {
  const out: string[] = [];
  const t = new TraceFormatter(cwd, (l) => out.push(l));
  t.push(text);
  t.end();
  return out;
}

/** Formats the program's calls as strace's output arrives. */
export class TraceFormatter {
  private readonly calls: ProgramCalls;
  constructor(cwd: string, emit: (line: string) => void) {
    this.calls = new ProgramCalls(cwd, (call, events) => {
      for (const e of events) {
        const line = formatEvent(call.pid, call.comm, e);
        if (line !== undefined) emit(line);
      }
    });
  }
  push(text: string): void {
    this.calls.push(text);
  }
  end(): void {
    this.calls.end();
  }
}

export function runTraceRelay(src: number, cwd: string): number {
  const l = libc();
  const out = 4;
  let outOpen = true;
  const decoder = new TextDecoder();
  const formatter = new TraceFormatter(cwd, (line) => {
    if (!outOpen) return;
    try {
      writeAll(out, `${line}\n`);
    } catch {
      outOpen = false; // the caller's terminal went; the program goes on
    }
  });
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    const n = Number(l.read(src, ptr(buf), buf.length));
    if (n < 0 && errno() === EINTR) continue;
    if (n <= 0) break;
    formatter.push(decoder.decode(buf.subarray(0, n), { stream: true }));
  }
  formatter.end();
  return 0;
}
