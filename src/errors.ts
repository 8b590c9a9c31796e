/**
 * Typed errors. Library code throws these; only cli/main.ts prints them and picks the exit status.
 */

/** Something the user asked for is wrong: bad option, bad value, missing program. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
  constructor(
    message: string,
    /** Exit status kiln uses for this error (1 for bad input, 127 for a missing program). */
    readonly exitCode: number = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The machine cannot run a sandbox: bwrap missing, user namespaces disabled, and so on. */
export class HostError extends Error {
  override readonly name: string = 'HostError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A system call failed while kiln prepared or applied the sandbox. */
export class SyscallError extends Error {
  override readonly name: string = 'SyscallError';
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly detail?: string,
  ) {
    super(`${syscall}${detail ? ` ${detail}` : ''}: ${strerror(errno)}`);
  }
}

const ERRNO_TEXT: Record<number, string> = {
  1: 'Operation not permitted (EPERM)',
  2: 'No such file or directory (ENOENT)',
  9: 'Bad file descriptor (EBADF)',
  12: 'Cannot allocate memory (ENOMEM)',
  13: 'Permission denied (EACCES)',
  14: 'Bad address (EFAULT)',
  16: 'Device or resource busy (EBUSY)',
  17: 'File exists (EEXIST)',
  20: 'Not a directory (ENOTDIR)',
  22: 'Invalid argument (EINVAL)',
  28: 'No space left on device (ENOSPC)',
  38: 'Function not implemented (ENOSYS)',
  95: 'Operation not supported (EOPNOTSUPP)',
};

export function strerror(errno: number): string {
  return ERRNO_TEXT[errno] ?? `errno ${errno}`;
}

/** Exhaustiveness check for tagged unions: the compiler lists every switch that misses a new kind. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
