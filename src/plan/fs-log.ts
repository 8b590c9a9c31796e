/**
 * The plan's filesystem steps as one line each, in mount order, in the words Firejail's --fs.print uses
 * where there is one ("blacklist PATH", "read-only PATH", "tmpfs PATH"). Recorded in the registry entry
 * at launch, so that --fs.print shows what was done to a running sandbox without entering it.
 */
import { assertNever } from '../errors.ts';
import type { InitStep, LaunchPlan, MountOp } from './types.ts';

function describeMount(op: MountOp): string {
  switch (op.kind) {
    case 'bind':
      return op.src === op.dest ? `bind ${op.dest}` : `bind ${op.src} ${op.dest}`;
    case 'ro-bind':
      // A read-only /dev/null over a file is how a blacklist hides it.
      if (op.src === '/dev/null' && op.dest !== '/dev/null') return `blacklist ${op.dest}`;
      return op.src === op.dest ? `read-only ${op.dest}` : `bind read-only ${op.src} ${op.dest}`;
    case 'dev-bind':
      return op.src === op.dest ? `bind device ${op.dest}` : `bind device ${op.src} ${op.dest}`;
    case 'remount-ro':
      return `read-only ${op.dest}`;
    case 'tmpfs':
      // A mode 0000 tmpfs over a directory is how a blacklist hides it.
      return op.perms === 0 ? `blacklist ${op.dest}` : `tmpfs ${op.dest}`;
    case 'proc':
      return `mount proc ${op.dest}`;
    case 'dev':
      return `private-dev ${op.dest}`;
    case 'mqueue':
      return `mount mqueue ${op.dest}`;
    case 'dir':
      return `mkdir ${op.dest}`;
    case 'symlink':
      return `symlink ${op.dest} -> ${op.target}`;
    case 'file':
    case 'bind-data':
      return `create ${op.dest}`;
    case 'chmod':
      return `chmod ${op.perms.toString(8).padStart(4, '0')} ${op.dest}`;
    case 'helper-bind':
      return `bind ${op.socket} ${op.dest}`;
    case 'helper-display-bind':
      return `bind x11-socket ${op.dest}`;
    default:
      return assertNever(op);
  }
}

function describeInit(step: InitStep): string | undefined {
  switch (step.kind) {
    case 'remount':
      return `remount ${step.flags.join(',')} ${step.dest}`;
    case 'hide':
      return `blacklist ${step.dest}`;
    case 'sysfs':
      return `mount sysfs ${step.dest}`;
    case 'pivot-root':
      return `chroot ${step.dir}`;
    case 'unshare-net':
      return undefined;
    default:
      return assertNever(step);
  }
}

/** One line per filesystem step: bwrap's ops in order, then the init stage's. */
export function describeFilesystem(plan: Pick<LaunchPlan, 'mounts' | 'init'>): string[] {
  const lines = plan.mounts.map(describeMount);
  for (const step of plan.init?.steps ?? []) {
    const line = describeInit(step);
    if (line !== undefined) lines.push(line);
  }
  return lines;
}
