/**
 * The registry of running sandboxes: one JSON file per sandbox, named after the pid kiln had when it
 * started it (kiln execs into bwrap, so that pid is bwrap's monitor process, the sandbox's anchor on the
 * host). A file is written whole and renamed into place, so readers never see half an entry, and 100
 * sandboxes starting at once never contend for one file.
 *
 * An entry is live while a process with its pid and its start time exists; kiln removes dead entries
 * whenever it reads the registry, so an entry disappears even if its sandbox was killed with SIGKILL.
 */

export interface RegistryEntry {
  readonly version: 1;
  /** The host pid of the sandbox's anchor process (bwrap's monitor, or `timeout` when --timeout is set). */
  readonly pid: number;
  /** Field 22 of /proc/PID/stat when the entry was written: guards against pid reuse. */
  readonly startTime: string;
  readonly uid: number;
  readonly user: string;
  /** The sandbox name (`--name`); empty when none was given. */
  readonly name: string;
  /** kiln's own command line, as `--list` shows it. */
  readonly command: readonly string[];
  /** The program and its arguments. */
  readonly argv: readonly string[];
  readonly profiles: readonly string[];
  readonly cwd: string;
  /** Milliseconds since the epoch. */
  readonly started: number;
  /** What `--join` must re-apply: seccomp programs (base64), kept capabilities, and the protocol list. */
  readonly seccomp: readonly string[];
  readonly caps: readonly number[] | 'unchanged';
  readonly protocols?: readonly string[];
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * An entry, or undefined for a torn or foreign file. NOTE: root reads users' registries, so every field
 * is checked for its type: a malformed entry must not be able to break root's --list.
 */
export function parseEntry(text: string): RegistryEntry | undefined {
  let v: Partial<Record<keyof RegistryEntry, unknown>>;
  try {
    v = JSON.parse(text) as typeof v;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const ok =
    v.version === 1 &&
    Number.isSafeInteger(v.pid) &&
    (v.pid as number) > 0 &&
    typeof v.startTime === 'string' &&
    Number.isSafeInteger(v.uid) &&
    typeof v.user === 'string' &&
    typeof v.name === 'string' &&
    isStrings(v.command) &&
    isStrings(v.argv) &&
    isStrings(v.profiles) &&
    typeof v.cwd === 'string' &&
    typeof v.started === 'number' &&
    isStrings(v.seccomp) &&
    (v.caps === 'unchanged' || (Array.isArray(v.caps) && v.caps.every((c) => Number.isInteger(c) && c >= 0 && c < 64))) &&
    (v.protocols === undefined || isStrings(v.protocols));
  return ok ? (v as RegistryEntry) : undefined;
}

/**
 * The capabilities the sandbox's programs hold, by number. 'unchanged' means bwrap's default: root keeps
 * every capability, and any other user (in a user namespace) none.
 */
export function keptCaps(entry: RegistryEntry, lastCap: number): number[] {
  if (entry.caps !== 'unchanged') return [...entry.caps];
  return entry.uid === 0 ? Array.from({ length: lastCap + 1 }, (_, i) => i) : [];
}
