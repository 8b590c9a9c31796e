/**
 * What the launcher does around a helper (HelperStep, spec.ts): the X cookie files before a server starts,
 * the link to its socket and the rewrite of `xauth generate`'s cookie after, squashfuse's mount point.
 * Files are the caller's only.
 */
import { HostError, SyscallError } from '../errors.ts';
import { cookieRecord, encodeXauth, wildcardCookies } from '../desktop/xauth.ts';
import { mkdirAll, readBytes, stat, writeAll } from '../sys/fs.ts';
import { cString, errno, libc, ptr } from '../sys/libc.ts';
import { spawnLibc } from './libc-spawn.ts';
import type { HelperStep } from './spec.ts';

const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_NOFOLLOW = 0o400000;
const O_CLOEXEC = 0o2000000;

export const FIRST_DISPLAY = 100;

/**
 * The next display number from `from` on that has neither a socket nor a lock file on the host. The X
 * server takes its lock atomically, so two launches that pick the same number cannot both have it; the
 * loser fails to start and is retried with the next number.
 */
export function freeDisplay(from: number): number {
  for (let n = from; ; n++) {
    if (stat(`/tmp/.X11-unix/X${n}`, true) === undefined && stat(`/tmp/.X${n}-lock`, true) === undefined) return n;
  }
}

/** Writes a file readable by the caller only. */
function writePrivate(path: string, data: Uint8Array): void {
  const fd = libc().open(ptr(cString(path)), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600);
  if (fd < 0) throw new SyscallError('open', errno(), path);
  try {
    writeAll(fd, data);
  } finally {
    libc().close(fd);
  }
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  crypto.getRandomValues(b);
  return b;
}

/** Runs a step; a link-x11-socket step returns the sandbox's display number. */
export function runStep(step: HelperStep, dir: string, display: number | undefined): number | undefined {
  switch (step.kind) {
    case 'x11-cookie': {
      const cookie = encodeXauth([cookieRecord(randomBytes(16))]);
      writePrivate(`${dir}/xserver-auth`, cookie);
      writePrivate(`${dir}/xauthority`, cookie);
      return undefined;
    }
    case 'link-x11-socket': {
      const host = step.hostDisplay ?? display;
      if (host === undefined) throw new TypeError('link-x11-socket needs a display');
      const link = `${dir}/x11-socket`;
      if (spawnLibc().symlink(ptr(cString(`/tmp/.X11-unix/X${host}`)), ptr(cString(link))) !== 0) throw new SyscallError('symlink', errno(), link);
      return step.hostDisplay === undefined ? host : freeDisplay(FIRST_DISPLAY);
    }
    case 'xauth-wildcard': {
      const file = `${dir}/${step.name}`;
      const bytes = readBytes(file)?.bytes;
      const rewritten = bytes === undefined ? new Uint8Array() : wildcardCookies(bytes);
      if (rewritten.length === 0) throw new HostError(`${file}: xauth wrote no cookie`);
      writePrivate(file, rewritten);
      return undefined;
    }
    case 'mkdir':
      mkdirAll(`${dir}/${step.name}`, 0o700);
      return undefined;
  }
}

