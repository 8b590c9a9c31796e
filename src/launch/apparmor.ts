/**
 * The init stage's AppArmor step: ask the kernel to put the program under a profile when this process
 * execs it, as libapparmor's aa_stack_onexec and aa_change_onexec do, with one write of `stack NAME` or
 * `exec NAME` to the task's exec attribute. Nothing changes until the exec; the init stage's own work
 * runs under the label it started with.
 */
import { HostError, SyscallError } from '../errors.ts';
import { notLoadedWarning } from '../plan/apparmor.ts';
import type { AppArmorRequest } from '../plan/types.ts';
import { writeAll } from '../sys/fs.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';

const O_WRONLY = 1;
const O_CLOEXEC = 0o2000000;
const ENOENT = 2;

/**
 * NOTE: the attribute is per thread, and the kernel lets only the thread itself write it: /proc/self
 * would name the thread-group leader. /proc/thread-self names the thread that writes, which is the one
 * that execs the program (Bun runs JavaScript, and so these FFI calls, on its main thread).
 * NOTE: kernels before 5.8 have no attr/apparmor/ directory and allow one major LSM only; there
 * attr/exec is AppArmor's own.
 */
const ATTRS = ['/proc/thread-self/attr/apparmor/exec', '/proc/thread-self/attr/exec'];

function openAttr(): { fd: number; path: string } {
  const l = libc();
  for (const path of ATTRS) {
    const fd = l.open(ptr(cString(path)), O_WRONLY | O_CLOEXEC, 0);
    if (fd >= 0) return { fd, path };
    if (errno() !== ENOENT) throw new SyscallError('open', errno(), path);
  }
  throw new SyscallError('open', ENOENT, ATTRS.join(' and '));
}

/**
 * Fails closed: any refusal stops the launch before the program runs, except the kernel saying that kiln's
 * default profile is not loaded where the plan could not tell beforehand (`ifNotLoaded: 'warn'`), which
 * warns as the plan would have (plan/apparmor.ts). True when the request is in place.
 */
export function requestAppArmor(req: AppArmorRequest & { readonly quiet: boolean }): boolean {
  const how = req.mode === 'stack' ? 'stack the AppArmor profile' : 'change to the AppArmor profile';
  let attr: { fd: number; path: string };
  try {
    attr = openAttr();
  } catch (e) {
    throw new HostError(`cannot ${how} ${req.profile}: ${(e as Error).message}; the program was not started`, { cause: e });
  }
  const text = new TextEncoder().encode(`${req.mode} ${req.profile}`);
  const l = libc();
  const n = Number(l.write(attr.fd, ptr(text), text.length));
  const err = errno();
  l.close(attr.fd);
  if (n === text.length) return true;
  // NOTE: ENOENT from the write itself (the file is open) is the kernel's "label not found".
  if (n < 0 && err === ENOENT && req.ifNotLoaded === 'warn') {
    if (!req.quiet) writeAll(2, `Warning: ${notLoadedWarning(req.profile)}\n`);
    return false;
  }
  const why = n < 0 ? new SyscallError('write', err, attr.path).message : `write ${attr.path}: short write (${n} of ${text.length} bytes)`;
  const hint = n < 0 && err === ENOENT ? ' (the profile is not loaded)' : '';
  throw new HostError(`cannot ${how} ${req.profile}${hint}: ${why}; the program was not started`);
}
