/**
 * Which traced calls are the program's. strace starts at bwrap, so the trace opens with kiln's own
 * stages: bwrap and its children, the init stage (run as /proc/self/fd/N with --kiln-init=) or env
 * setting signal dispositions (`env --default-signal=…`). The program begins at the first successful exec
 * that is none of those; from then on its process and every process that appears later are the program's.
 * NOTE: after that exec, bwrap's own processes only wait for their children: they make no new processes,
 * so a pid first seen later can only be a descendant of the program.
 */
import type { SyscallLine } from './strace-line.ts';
import { cStringArg, arrayItems } from './strace-line.ts';

function isStageExec(argv: readonly string[], first: boolean): boolean {
  if (first) return true; // bwrap itself, strace's child
  if (argv.some((a) => a.startsWith('--kiln-init='))) return true;
  return (argv[1] ?? '').startsWith('--default-signal=');
}

export class ProgramScope {
  private readonly stage = new Set<number>();
  private readonly program = new Set<number>();
  private execs = 0;
  /** The pid that exec'd the program (host pid). */
  programPid: number | undefined;

  /** Whether `line` is the program's; call it for every line, in order. */
  classify(line: SyscallLine): boolean {
    if (this.programPid === undefined) {
      this.stage.add(line.pid);
      if ((line.name === 'execve' || line.name === 'execveat') && line.ret === 0) {
        const argv = arrayItems(line.args[line.name === 'execve' ? 1 : 2]).map((s) => cStringArg(s, true) ?? s);
        if (isStageExec(argv, this.execs++ === 0)) return false;
        this.programPid = line.pid;
        this.stage.delete(line.pid);
        this.program.add(line.pid);
        return true;
      }
      return false;
    }
    if (this.program.has(line.pid)) return true;
    if (this.stage.has(line.pid)) return false;
    this.program.add(line.pid);
    return true;
  }

  /** The program's processes seen so far. */
  get pids(): ReadonlySet<number> {
    return this.program;
  }
}
