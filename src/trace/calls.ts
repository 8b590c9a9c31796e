/**
 * strace's output, fed in chunks as it arrives, to the program's calls and their events: whole lines,
 * joined calls (strace-line.ts), only the program's (scope.ts), with paths resolved (events.ts). --trace's
 * relay prints them; --build's observer collects them.
 */
import { Cwds, eventsOf, type TraceEvent } from './events.ts';
import { ProgramScope } from './scope.ts';
import { StraceReader, type SyscallLine } from './strace-line.ts';

export class ProgramCalls {
  private readonly reader = new StraceReader();
  private readonly scope = new ProgramScope();
  private readonly cwds: Cwds;
  private rest = '';

  constructor(cwd: string, private readonly onCall: (call: SyscallLine, events: readonly TraceEvent[]) => void) {
    this.cwds = new Cwds(cwd);
  }

  push(text: string): void {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.line(p);
  }

  end(): void {
    if (this.rest !== '') this.line(this.rest);
    this.rest = '';
  }

  /** Whether the program's start was seen. */
  get started(): boolean {
    return this.scope.programPid !== undefined;
  }

  /** Lines strace printed that were not a call kiln understood. */
  get skipped(): number {
    return this.reader.skipped;
  }

  private line(raw: string): void {
    const call = this.reader.push(raw);
    if (call === undefined || !this.scope.classify(call)) return;
    this.onCall(call, eventsOf(call, this.cwds));
  }
}
