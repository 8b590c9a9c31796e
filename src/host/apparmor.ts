/**
 * Host facts about AppArmor: whether the kernel runs it, and which profiles are loaded when kiln may see
 * that. Read on every launch (a few small files); they key the plan cache with the caller's other facts.
 */
import { SyscallError } from '../errors.ts';
import { readText } from '../sys/fs.ts';

export interface AppArmorFacts {
  /** The kernel has AppArmor and it is active (not merely built in). */
  readonly enabled: boolean;
  /**
   * The names of the loaded profiles, from /sys/kernel/security/apparmor/profiles. Absent: unknown,
   * because AppArmor is off or the list is not readable: the kernel shows it only to root (policy view
   * capability), so an unprivileged launch learns whether a profile is loaded from the kernel's answer
   * when the init stage asks for it. An empty list means none are loaded.
   */
  readonly loaded?: readonly string[];
}

const EACCES = 13;
const EPERM = 1;

/** Profile names from the `profiles` file: one `NAME (MODE)` per line; a name may contain spaces. */
export function parseLoadedProfiles(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(.*) \(([a-z]+)\)$/.exec(line);
    if (m?.[1] !== undefined && m[1] !== '') names.push(m[1]);
  }
  return names.sort();
}

/** The profiles file's text, or undefined where kiln may not read it. */
function readProfiles(path: string): string | undefined {
  try {
    return readText(path);
  } catch (e) {
    // NOTE: the file exists for everyone but opens only for a task that may view policy (root).
    if (e instanceof SyscallError && (e.errno === EACCES || e.errno === EPERM)) return undefined;
    throw e;
  }
}

/**
 * NOTE: the module parameter says Y whenever AppArmor is built in, even when the boot's `lsm=` list left
 * it out; the list of active LSMs (kernel 4.15 on) settles it. Where that cannot be read (no securityfs
 * mounted, an older kernel), the parameter is taken at its word: the init stage then finds out, and
 * fails closed if the kernel will not take its request.
 */
export function appArmorEnabled(): boolean {
  if (readText('/sys/module/apparmor/parameters/enabled')?.trim() !== 'Y') return false;
  const lsm = readText('/sys/kernel/security/lsm');
  return lsm === undefined || lsm.trim().split(',').includes('apparmor');
}

export function probeAppArmor(): AppArmorFacts {
  if (!appArmorEnabled()) return { enabled: false };
  const text = readProfiles('/sys/kernel/security/apparmor/profiles');
  return text === undefined ? { enabled: true } : { enabled: true, loaded: parseLoadedProfiles(text) };
}
