/** How commands print informational lines and warnings. */
import { writeAll } from '../sys/fs.ts';

/** Informational output, Firejail's wording, on stderr; silenced by --quiet. */
export interface Reporter {
  info(line: string): void;
  warn(line: string): void;
}

export function makeReporter(quiet: () => boolean): Reporter {
  return {
    info: (line) => {
      if (!quiet()) writeAll(2, `${line}\n`);
    },
    warn: (line) => {
      if (!quiet()) writeAll(2, `Warning: ${line}\n`);
    },
  };
}
