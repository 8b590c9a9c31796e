/**
 * Symlink invocation: `/usr/local/bin/firefox → kiln` (what a firecfg makes) runs `kiln -- firefox ARGS`.
 * kiln looks at the name it was run under; any name but `kiln` is a program to sandbox, and its
 * arguments pass through unparsed. The program is looked up as for `kiln NAME` (plan/lookup.ts), which
 * passes over PATH entries that are kiln itself, so a link never runs itself: a chain of links to kiln,
 * or a PATH that lists the links' directory twice, ends in "program not found" (exit 127), not a loop.
 *
 * As a login shell (`-kiln`), kiln runs the user's shell in a sandbox: $SHELL, or /bin/bash when $SHELL
 * is kiln. Firejail also reads /etc/firejail/login.users for per-user options; kiln takes them from the
 * shell's profile (bash.profile, …) only.
 *
 * Unlike Firejail, which runs the real program unsandboxed when root calls it through a symlink, kiln
 * sandboxes root too: kiln is not setuid, so root gains nothing by being let through.
 */
import { isExecutableFile, readBytes, realPath } from '../sys/fs.ts';

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

/** The shell a login through kiln runs: $SHELL, unless that is kiln itself (kiln set as the login shell). */
function loginShell(env: Readonly<Record<string, string | undefined>>, isKiln: (path: string) => boolean): string {
  const shell = env['SHELL'];
  if (shell !== undefined && shell.startsWith('/') && !isKiln(shell)) return shell;
  return isExecutableFile('/bin/bash') ? '/bin/bash' : '/bin/sh';
}

function isKilnPath(path: string): boolean {
  if (path.slice(path.lastIndexOf('/') + 1) === KILN_NAME) return true;
  const real = realPath(path);
  return real !== undefined && real === realPath('/proc/self/exe');
}

/**
 * kiln's argv for a run under `name`: the program by that name, then its arguments, none parsed. Run as
 * `firecfg`, kiln is its own firecfg (src/firecfg/firecfg.ts), as Firejail's firecfg is a program of its own.
 */
export function symlinkArgv(name: string, args: readonly string[]): string[] {
  if (name === 'firecfg') return ['--firecfg', ...args];
  // A login shell (kiln in /etc/passwd): login runs `-kiln`, sshd `-kiln -c COMMAND`. The sandbox runs
  // the real shell, as a login shell or with the command.
  if (name === `-${KILN_NAME}`) {
    const shell = loginShell(process.env, isKilnPath);
    return ['--', shell, ...(args.length > 0 ? args : ['-l'])];
  }
  return ['--', name, ...args];
}
