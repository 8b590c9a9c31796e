/** The desktop helpers' programs, looked for in the system directories only (never the caller's PATH). */
import type { FsContext } from '../plan/fs-context.ts';

const SYSTEM_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** The first `binary` in the system directories, through the planner's view of the host; undefined if none. */
export function findSystemTool(ctx: FsContext, binary: string): string | undefined {
  return SYSTEM_DIRS.map((d) => `${d}/${binary}`).find((p) => ctx.fs.lstat(p) !== undefined);
}
