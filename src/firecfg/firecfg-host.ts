/**
 * What firecfg asks of the host: kiln's own executable, whether a program is installed, whether kiln
 * finds a profile for it, and the caller's home.
 */
import { HostError } from '../errors.ts';
import { lookupPasswd } from '../host/facts.ts';
import { BUILTIN_PROFILES } from '../profile/builtin.ts';
import { defaultSearchPath, locate } from '../profile/search.ts';
import { isExecutableFile, realPath } from '../sys/fs.ts';

/**
 * The file firecfg's links point at: the compiled kiln, canonical, so that "is this link kiln's?" is one
 * comparison of canonical paths.
 */
export function kilnExecutable(): string {
  // Run from source, /proc/self/exe is Bun itself: links to it would start Bun, not kiln.
  if (!Bun.main.startsWith('/$bunfs/')) throw new HostError('firecfg needs the compiled kiln (npm run build, then dist/kiln --firecfg)');
  const exe = realPath('/proc/self/exe');
  if (exe === undefined) throw new HostError('cannot resolve /proc/self/exe to find the kiln executable');
  return exe;
}

/** $HOME if absolute, else the passwd entry's; undefined when neither names a home. */
export function callerHome(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const fromEnv = env['HOME'];
  if (fromEnv !== undefined && fromEnv.startsWith('/') && fromEnv !== '/') return fromEnv.replace(/\/+$/, '');
  const pw = lookupPasswd(process.getuid?.() ?? 0)?.home;
  return pw !== undefined && pw.startsWith('/') && pw !== '/' ? pw : undefined;
}

/** A PATH entry firecfg looks in: the entry as written and what it resolves to. */
export interface PathDir {
  readonly dir: string;
  readonly real: string;
}

/**
 * PATH's directories, each once, without the ones that are `bindir` (the links' own directory) and
 * without relative entries, which mean whatever the current directory happens to be.
 */
export function searchDirs(pathVar: string | undefined, bindirReal: string): PathDir[] {
  const seen = new Set<string>([bindirReal]);
  const out: PathDir[] = [];
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!dir.startsWith('/')) continue;
    const real = realPath(dir);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    out.push({ dir, real });
  }
  return out;
}

/** Where `dir` sits in PATH (by canonical path), or -1. */
export function pathIndex(pathVar: string | undefined, dirReal: string): number {
  return (pathVar ?? '').split(':').findIndex((d) => d.startsWith('/') && realPath(d) === dirReal);
}

/**
 * The program a link named `name` would run: the first executable of that name in `dirs` that is not
 * kiln itself (a link elsewhere, or kiln installed under that name), as symlink invocation finds it.
 */
export function findInstalled(name: string, dirs: readonly PathDir[], kilnExe: string): string | undefined {
  for (const { dir } of dirs) {
    const path = `${dir}/${name}`;
    if (isExecutableFile(path) && realPath(path) !== kilnExe) return path;
  }
  return undefined;
}

/** The profile a launch of `name` would read (its NAME.profile in kiln's search path), or undefined. */
export function findProfileFor(name: string, home: string | undefined): string | undefined {
  return locate(`${name}.profile`, defaultSearchPath(home ?? '').dirs, BUILTIN_PROFILES)?.path;
}
