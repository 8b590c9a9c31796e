/**
 * Turns a LaunchPlan into bwrap's option list. Pure: blob fds are given by the caller, who created them.
 * The result goes to bwrap through `--args FD` (NUL-separated), never through a shell.
 */
import { assertNever } from '../errors.ts';
import type { LaunchPlan, MountOp } from './types.ts';

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

function fdOf(blobFds: readonly number[], blob: number): string {
  const fd = blobFds[blob];
  if (fd === undefined) throw new RangeError(`no fd for blob ${blob}`);
  return String(fd);
}

function mountArgs(op: MountOp, blobFds: readonly number[]): string[] {
  switch (op.kind) {
    case 'bind':
      return [op.optional ? '--bind-try' : '--bind', op.src, op.dest];
    case 'ro-bind':
      return [op.optional ? '--ro-bind-try' : '--ro-bind', op.src, op.dest];
    case 'dev-bind':
      return [op.optional ? '--dev-bind-try' : '--dev-bind', op.src, op.dest];
    case 'remount-ro':
      return ['--remount-ro', op.dest];
    case 'tmpfs':
      return [
        ...(op.perms !== undefined ? ['--perms', octal(op.perms)] : []),
        ...(op.size !== undefined ? ['--size', String(op.size)] : []),
        '--tmpfs',
        op.dest,
      ];
    case 'proc':
      return ['--proc', op.dest];
    case 'dev':
      return ['--dev', op.dest];
    case 'mqueue':
      return ['--mqueue', op.dest];
    case 'dir':
      return [...(op.perms !== undefined ? ['--perms', octal(op.perms)] : []), '--dir', op.dest];
    case 'symlink':
      return ['--symlink', op.target, op.dest];
    case 'file':
      return [...(op.perms !== undefined ? ['--perms', octal(op.perms)] : []), '--file', fdOf(blobFds, op.blob), op.dest];
    case 'bind-data':
      return [
        ...(op.perms !== undefined ? ['--perms', octal(op.perms)] : []),
        op.writable ? '--bind-data' : '--ro-bind-data',
        fdOf(blobFds, op.blob),
        op.dest,
      ];
    case 'chmod':
      return ['--chmod', octal(op.perms), op.dest];
    default:
      return assertNever(op);
  }
}

/** bwrap options for the plan, without the program (which stays on argv after `--`). */
export function toBwrapArgs(plan: LaunchPlan, blobFds: readonly number[]): string[] {
  const args: string[] = [];
  for (const ns of plan.namespaces) args.push(`--unshare-${ns}`);
  if (plan.dieWithParent) args.push('--die-with-parent');
  if (plan.newSession) args.push('--new-session');
  if (plan.hostname !== undefined) args.push('--hostname', plan.hostname);
  if (plan.infoFd !== undefined) args.push('--info-fd', String(plan.infoFd));
  for (const op of plan.mounts) args.push(...mountArgs(op, blobFds));
  for (const cap of plan.capDrop) args.push('--cap-drop', cap);
  for (const cap of plan.capAdd) args.push('--cap-add', cap);
  for (const blob of plan.seccomp) args.push('--add-seccomp-fd', fdOf(blobFds, blob));
  args.push('--chdir', plan.chdir);
  return args;
}
