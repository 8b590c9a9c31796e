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

/** What a launch made for the plan: the blobs' fds, the helpers' directory and lifetime fd. */
export interface LaunchFds {
  readonly blobFds: readonly number[];
  readonly helperDir?: string;
  readonly syncFd?: number;
  /** The sandbox's X display number, for helper-display-bind. */
  readonly display?: number;
  /** The network set-up stage's status pipe, for --json-status-fd (src/net/start.ts). */
  readonly statusFd?: number;
}

function helperPath(fds: LaunchFds, socket: string): string {
  if (fds.helperDir === undefined) throw new RangeError(`no helper directory for ${socket}`);
  return `${fds.helperDir}/${socket}`;
}

function mountArgs(op: MountOp, fds: LaunchFds): string[] {
  const blobFds = fds.blobFds;
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
    case 'helper-bind':
      return ['--ro-bind', helperPath(fds, op.socket), op.dest];
    case 'helper-display-bind':
      if (fds.display === undefined) throw new RangeError('no display for the X socket');
      return ['--ro-bind', helperPath(fds, 'x11-socket'), `${op.dest}/X${fds.display}`];
    default:
      return assertNever(op);
  }
}

/** bwrap options for the plan, without the program (which stays on argv after `--`). */
export function toBwrapArgs(plan: LaunchPlan, fds: LaunchFds): string[] {
  const blobFds = fds.blobFds;
  const args: string[] = [];
  for (const ns of plan.namespaces) args.push(`--unshare-${ns}`);
  if (plan.dieWithParent) args.push('--die-with-parent');
  if (plan.newSession) args.push('--new-session');
  if (plan.hostname !== undefined) args.push('--hostname', plan.hostname);
  if (plan.infoFd !== undefined) args.push('--info-fd', String(plan.infoFd));
  if (fds.syncFd !== undefined) args.push('--sync-fd', String(fds.syncFd));
  if (fds.statusFd !== undefined) args.push('--json-status-fd', String(fds.statusFd));
  for (const op of plan.mounts) args.push(...mountArgs(op, fds));
  for (const cap of plan.capDrop) args.push('--cap-drop', cap);
  for (const cap of plan.capAdd) args.push('--cap-add', cap);
  for (const blob of plan.seccomp) args.push('--add-seccomp-fd', fdOf(blobFds, blob));
  // Under --chroot, the init stage changes to plan.chdir once it has pivoted into the chroot.
  args.push('--chdir', plan.rootAt ?? plan.chdir);
  return args;
}
