/**
 * The field's tools a launch runs besides bwrap: tini (the resident supervisor at kiln's pid), coreutils'
 * env (sets signal dispositions across an exec) and, for --timeout, coreutils' timeout under util-linux's
 * setpriv. They are looked for in the system directories only, never on the caller's PATH.
 */
import { HostError } from '../errors.ts';
import { noteContents } from '../sys/fs.ts';
import { findExecutable } from './bwrap.ts';

export interface Tools {
  readonly tini: string;
  readonly env: string;
  /** Absent where coreutils' timeout or util-linux's setpriv is missing; --timeout then fails. */
  readonly timeout?: string;
  readonly setpriv?: string;
}

const SYSTEM_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';

function need(name: string, found: string | undefined, why: string, pkg: string): string {
  if (found === undefined) throw new HostError(`${name} was not found; kiln needs it ${why}: install the ${pkg} package (apt-get install ${pkg})`);
  noteContents(found); // a cached plan names the path; it holds as long as the binary is there
  return found;
}

/**
 * A tool a command needs, found in the system directories (sbin first, where iproute2's and iptables'
 * live), or a HostError naming the option and the package to install.
 */
export function systemTool(name: string, pkg: string, option: string): string {
  const path = findExecutable(name, '/usr/sbin:/usr/bin:/sbin:/bin');
  if (path === undefined) throw new HostError(`${option} needs ${name}, which was not found: install the ${pkg} package`);
  return path;
}

/** KILN_TINI overrides the path (for tests and for installations outside the system directories). */
export function probeTools(env: Readonly<Record<string, string | undefined>>): Tools {
  const override = env['KILN_TINI'];
  const tiniPath = override !== undefined ? findExecutable(override, undefined) : findExecutable('tini', SYSTEM_PATH);
  const tini = need('tini', tiniPath, 'as the supervisor that stays at its pid and forwards signals to the program', 'tini');
  const envPath = need('env', findExecutable('env', SYSTEM_PATH), 'to set signal dispositions', 'coreutils');
  const timeout = findExecutable('timeout', SYSTEM_PATH);
  const setpriv = findExecutable('setpriv', SYSTEM_PATH);
  if (timeout !== undefined) noteContents(timeout);
  if (setpriv !== undefined) noteContents(setpriv);
  return { tini, env: envPath, ...(timeout !== undefined ? { timeout } : {}), ...(setpriv !== undefined ? { setpriv } : {}) };
}
