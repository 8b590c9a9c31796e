/**
 * Where profiles are found. kiln looks in its own directories first and Firejail's next, the user's before
 * the system's, and falls back on the profiles built into the binary:
 *
 *   ~/.config/kiln, /etc/kiln, ~/.config/firejail, /etc/firejail, built-in
 */
import { SyscallError } from '../errors.ts';
import { listDir, stat } from '../sys/fs.ts';
import { BUILTIN_PREFIX, BUILTIN_PROFILES } from './builtin.ts';

export interface SearchPath {
  /** Searched in order for a bare name (`include foo.inc`, `--profile=foo`). */
  readonly dirs: readonly string[];
  /** Searched in order for `include ${CFG}/name`. */
  readonly systemDirs: readonly string[];
  /** Built-in files by name; searched after the directories. */
  readonly builtins: ReadonlyMap<string, string>;
}

export function defaultSearchPath(home: string): SearchPath {
  const userKiln = home === '' || home === '/' ? [] : [`${home}/.config/kiln`];
  const userFirejail = home === '' || home === '/' ? [] : [`${home}/.config/firejail`];
  return {
    dirs: [...userKiln, '/etc/kiln', ...userFirejail, '/etc/firejail'],
    systemDirs: ['/etc/kiln', '/etc/firejail'],
    builtins: BUILTIN_PROFILES,
  };
}

/** A profile file found on disk, or one built into kiln. */
export type Located =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'builtin'; readonly path: string; readonly text: string };

/**
 * Whether something exists at `path`. A path we may not even look at counts as present: reading it then
 * reports the permission problem against the file, instead of silently trying the next directory.
 */
export function exists(path: string): boolean {
  try {
    return stat(path) !== undefined;
  } catch (e) {
    if (e instanceof SyscallError) return true;
    throw e;
  }
}

/** The first `dir/name` that exists, else the built-in `name`. */
export function locate(name: string, dirs: readonly string[], builtins: ReadonlyMap<string, string>): Located | undefined {
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    if (exists(path)) return { kind: 'file', path };
  }
  const text = builtins.get(name);
  return text === undefined ? undefined : { kind: 'builtin', path: `${BUILTIN_PREFIX}${name}`, text };
}

/**
 * The file names in a directory, for "did you mean" suggestions only: a directory that is missing or
 * cannot be listed simply offers no suggestions.
 */
export function namesIn(dir: string): string[] {
  try {
    return (listDir(dir) ?? []).map((e) => e.name);
  } catch (e) {
    if (e instanceof SyscallError) return [];
    throw e;
  }
}

/** Every profile name (without `.profile`) available in the search path, for "did you mean". */
export function availableProfiles(search: SearchPath): string[] {
  const names = new Set<string>();
  for (const dir of search.dirs) for (const f of namesIn(dir)) if (f.endsWith('.profile')) names.add(f.slice(0, -8));
  for (const f of search.builtins.keys()) if (f.endsWith('.profile')) names.add(f.slice(0, -8));
  return [...names].sort();
}
