/** How firecfg's steps speak: what was done on stdout (Firejail's firecfg prints it there), the rest on stderr. */
import type { Reporter } from '../cli/report.ts';
import { writeAll } from '../sys/fs.ts';

export interface FirecfgOut {
  /** A change made (`/usr/local/bin/firefox created`), or a --list line. */
  done(line: string): void;
  /** Something left undone that the user should know about. */
  warn(line: string): void;
  /** A note (why an option does nothing with kiln). */
  note(line: string): void;
  /** What was checked; only with --debug. */
  debug(line: string): void;
}

export function makeOut(report: Reporter, debug: boolean): FirecfgOut {
  return {
    done: (line) => writeAll(1, `${line}\n`),
    warn: (line) => report.warn(line),
    note: (line) => report.info(line),
    debug: (line) => {
      if (debug) writeAll(2, `firecfg: ${line}\n`);
    },
  };
}
