/**
 * Symlink invocation: `/usr/local/bin/firefox → kiln` (what a firecfg makes) runs `kiln /usr/bin/firefox`.
 * kiln looks at the name it was run under; any name but `kiln` is a program to sandbox. The program's own
 * arguments pass through unparsed, and the program is the first of that name on PATH that is not kiln
 * itself, so a symlink never runs itself: a chain of links to kiln, or a PATH that lists the links'
 * directory twice, ends in a clear error, not a loop.
 *
 * Unlike Firejail, which runs the real program unsandboxed when root calls it through a symlink, kiln
 * sandboxes root too: kiln is not setuid, so root gains nothing by being let through.
 */
import { UsageError } from '../errors.ts';
import { readBytes, realPath, isExecutableFile } from '../sys/fs.ts';

const KILN_NAME = 'kiln';
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

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

/** The first `name` on PATH that is not kiln itself, or undefined. */
export function findRealProgram(name: string, pathVar: string | undefined, self: string | undefined): string | undefined {
  for (const dir of (pathVar ?? DEFAULT_PATH).split(':')) {
    if (dir === '' || !dir.startsWith('/')) continue; // as execvp would not look in the working directory for us
    const candidate = `${dir}/${name}`;
    if (!isExecutableFile(candidate)) continue;
    if (self !== undefined && realPath(candidate) === self) continue;
    return candidate;
  }
  return undefined;
}

/** kiln's argv for a run under `name`: the real program by its path, then the arguments, none parsed. */
export function symlinkArgv(name: string, args: readonly string[], pathVar: string | undefined): string[] {
  const real = findRealProgram(name, pathVar, realPath('/proc/self/exe'));
  if (real === undefined) {
    throw new UsageError(`kiln was run as '${name}', and PATH has no program of that name other than kiln itself (PATH=${pathVar ?? DEFAULT_PATH})`, 127);
  }
  return ['--', real, ...args];
}
