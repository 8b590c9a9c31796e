/**
 * Symlink invocation: `/usr/local/bin/firefox → kiln` (what a firecfg makes) runs `kiln -- firefox ARGS`.
 * kiln looks at the name it was run under; any name but `kiln` is a program to sandbox, and its
 * arguments pass through unparsed. The program is looked up as for `kiln NAME` (plan/lookup.ts), which
 * passes over PATH entries that are kiln itself, so a link never runs itself: a chain of links to kiln,
 * or a PATH that lists the links' directory twice, ends in "program not found" (exit 127), not a loop.
 *
 * Unlike Firejail, which runs the real program unsandboxed when root calls it through a symlink, kiln
 * sandboxes root too: kiln is not setuid, so root gains nothing by being let through.
 */
import { readBytes } from '../sys/fs.ts';

const KILN_NAME = 'kiln';

/** The name the caller ran: argv[0] as the kernel got it (Bun reports its own argv[0] as "bun"). */
export function invokedName(): string {
  const cmdline = readBytes('/proc/self/cmdline', 4096)?.bytes ?? new Uint8Array();
  const end = cmdline.indexOf(0);
  const argv0 = new TextDecoder().decode(cmdline.subarray(0, end < 0 ? cmdline.length : end));
  return argv0.slice(argv0.lastIndexOf('/') + 1);
}

export function isKilnName(name: string): boolean {
  return name === KILN_NAME || name === '';
}

/**
 * kiln's argv for a run under `name`: the program by that name, then its arguments, none parsed. Run as
 * `firecfg`, kiln is its own firecfg (src/desktop/firecfg.ts), as Firejail's firecfg is a program of its own.
 */
export function symlinkArgv(name: string, args: readonly string[]): string[] {
  if (name === 'firecfg') return ['--firecfg', ...args];
  return ['--', name, ...args];
}
