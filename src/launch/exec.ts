/**
 * Hands the process over to bwrap. The options travel in a memfd (`--args FD`), blobs (files, seccomp
 * programs) in memfds of their own; the program stays on argv after `--`. Every other inherited fd is
 * marked close-on-exec first, so nothing of kiln's leaks into the sandbox.
 */
import { SyscallError } from '../errors.ts';
import { toBwrapArgs } from '../plan/bwrap-args.ts';
import type { LaunchPlan } from '../plan/types.ts';
import { cString, cStringArray, errno, libc, ptr } from '../sys/libc.ts';
import { closeExtraFds, memfdWithData } from './fds.ts';
import { encodeInitConfig, INIT_FLAG } from './init-config.ts';
import { applyPreExec } from './pre-exec.ts';

const encoder = new TextEncoder();
const TIMEOUT_PATH = '/usr/bin/timeout';

/** The NUL-separated form `bwrap --args` reads. */
export function encodeArgs(args: readonly string[]): Uint8Array {
  return encoder.encode(args.map((a) => `${a}\0`).join(''));
}

export interface Prepared {
  readonly argv: string[];
  readonly passFds: number[];
}

/** Creates the memfds and returns bwrap's argv; --debug shows it before exec. */
export function prepareExec(plan: LaunchPlan): Prepared {
  const blobFds = plan.blobs.map((blob, i) => memfdWithData(`kiln-blob-${i}`, blob, true));
  const options = toBwrapArgs(plan, blobFds);
  const argsFd = memfdWithData('kiln-args', encodeArgs(options), true);
  const infoFds = plan.infoFd === undefined ? [] : [plan.infoFd];
  if (plan.init === undefined) {
    return { argv: ['bwrap', '--args', String(argsFd), '--', ...plan.argv], passFds: [argsFd, ...blobFds, ...infoFds] };
  }
  // NOTE: the init stage runs as /proc/self/fd/N of an fd inherited through bwrap, so it needs no path
  // in the sandbox's tree, whatever the profile hides.
  // /proc/self/exe, not process.execPath: it still opens if the binary was replaced since kiln started.
  const exeFd = openForExec('/proc/self/exe');
  const config = encodeInitConfig({
    steps: plan.init.steps,
    keepCaps: plan.init.keepCaps,
    lastCap: plan.init.lastCap,
    seccomp: plan.init.seccomp.map((b) => Buffer.from(b).toString('base64')),
    exeFd,
  });
  const configFd = memfdWithData('kiln-init', config, true);
  return {
    argv: ['bwrap', '--args', String(argsFd), '--', `/proc/self/fd/${exeFd}`, `${INIT_FLAG}=${configFd}`, '--', ...plan.argv],
    passFds: [argsFd, exeFd, configFd, ...blobFds, ...infoFds],
  };
}

function openForExec(path: string): number {
  const fd = libc().open(ptr(cString(path)), 0 /* O_RDONLY, inherited */, 0);
  if (fd < 0) throw new SyscallError('open', errno(), path);
  return fd;
}

/**
 * Replaces this process with bwrap. Returns only on failure, by throwing.
 * NOTE: Bun's other threads die with the exec; nothing after a successful call runs.
 */
export function execBwrap(plan: LaunchPlan, prepared: Prepared, keepFds: readonly number[]): never {
  applyPreExec(plan.preExec);
  closeExtraFds(new Set([...prepared.passFds, ...keepFds]));
  // NOTE: with a wall-clock limit, coreutils' timeout(1) becomes the sandbox's anchor: it forwards
  // SIGINT/SIGTERM/SIGHUP to bwrap and sends SIGTERM when time is up; --foreground keeps the terminal's
  // process group, and bwrap's --die-with-parent takes the sandbox down with it.
  const [path, argvList] =
    plan.timeoutSeconds === undefined
      ? [plan.bwrapPath, prepared.argv]
      : [TIMEOUT_PATH, ['timeout', '--foreground', '--kill-after=2', `${plan.timeoutSeconds}s`, plan.bwrapPath, ...prepared.argv.slice(1)]];
  const file = cString(path);
  const argv = cStringArray(argvList);
  const env = cStringArray(plan.env);
  libc().execve(ptr(file), ptr(argv.array), ptr(env.array));
  const e = errno();
  void argv.keep.length; // keep the strings reachable until execve has read them
  void env.keep.length;
  throw new SyscallError('execve', e, path);
}
