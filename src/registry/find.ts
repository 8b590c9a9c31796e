/** `--join=NAME|PID` and the other commands that name one sandbox: which one is meant. */
import { UsageError } from '../errors.ts';
import type { Sandbox } from './scan.ts';

/**
 * The sandbox `target` names: a pid (bwrap's monitor, as --list shows it, or the sandbox's pid 1) or a
 * name. When root sees several sandboxes of one name, its own wins; otherwise it must give a pid.
 * `option` is the option as typed, for messages.
 */
export function findSandbox(sandboxes: readonly Sandbox[], target: string, option: string, callerUid: number): Sandbox {
  if (/^\d+$/.test(target)) {
    const pid = Number(target);
    const hit = sandboxes.find((s) => s.entry.pid === pid || s.pid1 === pid);
    if (hit !== undefined) return hit;
  }
  const named = sandboxes.filter((s) => s.entry.name === target);
  const own = named.filter((s) => s.entry.uid === callerUid);
  const pick = named.length === 1 ? named : own.length === 1 ? own : named;
  if (pick.length === 1 && pick[0] !== undefined) return pick[0];
  if (pick.length > 1) {
    const pids = pick.map((s) => `${s.entry.pid} (${s.user})`).join(', ');
    throw new UsageError(`${option}=${target}: ${pick.length} sandboxes have that name: ${pids}; give a pid instead`);
  }
  // Firejail's "cannot find sandbox NAME" first, for scripts that look for it.
  // NOTE: the same words whether the sandbox does not exist or belongs to someone else.
  const whose = callerUid === 0 ? 'no sandbox' : 'no sandbox of yours';
  throw new UsageError(`${option}=${target}: cannot find sandbox ${target}: ${whose} has that name or pid (see kiln --list)`);
}
