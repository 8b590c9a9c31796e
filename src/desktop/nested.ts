/**
 * kiln inside a sandbox. A program in a sandbox often starts another through the links a firecfg made
 * (a browser opening a video player), and so reaches kiln again. A second sandbox rarely works there: a
 * profile hides bwrap, or the outer sandbox's seccomp filter refuses new user namespaces. Firejail runs
 * the program directly, with a warning; kiln does the same for a run under a program's name, because the
 * outer sandbox still confines it and no option asked for more.
 *
 * An explicit `kiln [OPTIONS] program` inside a sandbox is refused instead: its options ask for
 * restrictions the outer sandbox may not have, and running the program without them would be weaker
 * than asked (kiln fails closed).
 */
import { SyscallError, UsageError } from '../errors.ts';
import { isExecutableFile, readText, realPath } from '../sys/fs.ts';
import { cString, cStringArray, errno, libc, ptr } from '../sys/libc.ts';

/**
 * The sandbox this process runs in, by its pid 1: bwrap for kiln (and any other bwrap sandbox), firejail
 * for Firejail. NOTE: a program cannot fake this from inside; its pid namespace's init is what it is.
 */
export function existingSandbox(): 'bwrap' | 'firejail' | undefined {
  const comm = readText('/proc/1/comm')?.trim();
  return comm === 'bwrap' || comm === 'firejail' ? comm : undefined;
}

const realpath = realPath;

/** The first `name` on PATH that is not kiln itself, as symlink invocation finds it. */
function findProgram(name: string, pathVar: string): string | undefined {
  const self = realpath('/proc/self/exe');
  if (name.includes('/')) return isExecutableFile(name) && realpath(name) !== self ? name : undefined;
  for (const dir of pathVar.split(':')) {
    const candidate = `${dir === '' ? '.' : dir}/${name}`;
    if (isExecutableFile(candidate) && realpath(candidate) !== self) return candidate;
  }
  return undefined;
}

/** Replaces kiln with `name` from PATH, unsandboxed any further. Returns only by throwing. */
export function execDirectly(name: string, args: readonly string[], warn: (line: string) => void): never {
  const path = findProgram(name, process.env['PATH'] ?? '/usr/bin:/bin');
  if (path === undefined) throw new UsageError(`${name}: program not found on PATH (kiln itself passed over)`, 127);
  // Firejail's words, which scripts and users know.
  warn(`an existing sandbox was detected. ${path} will run without any additional sandboxing features`);
  const file = cString(path);
  const argv = cStringArray([name.slice(name.lastIndexOf('/') + 1), ...args]);
  const env = cStringArray(Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`));
  libc().execve(ptr(file), ptr(argv.array), ptr(env.array));
  const e = errno();
  void argv.keep.length; // keep the strings reachable until execve has read them
  void env.keep.length;
  throw new SyscallError('execve', e, path);
}

export function nestedRefusal(kind: 'bwrap' | 'firejail'): UsageError {
  const what = kind === 'firejail' ? 'a Firejail sandbox' : 'a sandbox (its pid 1 is bwrap)';
  return new UsageError(
    `kiln is running inside ${what}; it does not start a sandbox within it. A program run through a link to kiln runs there directly, as under Firejail`,
  );
}
