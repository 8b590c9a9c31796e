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

export function parseEntry(text: string): RegistryEntry | undefined {
  try {
    const v = JSON.parse(text) as Partial<RegistryEntry>;
    if (v.version !== 1 || typeof v.pid !== 'number' || typeof v.startTime !== 'string' || typeof v.uid !== 'number') return undefined;
    return v as RegistryEntry;
  } catch {
    return undefined; // a torn or foreign file is not an entry
  }
}
