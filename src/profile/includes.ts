/**
 * `include` targets, in every form firejail-profile(5) gives:
 *
 *   include /abs/path/file.inc        that file
 *   include ${HOME}/dir/file.inc      under the home directory (also ~/dir/file.inc)
 *   include ${CFG}/file.inc           in the system directories (/etc/kiln, /etc/firejail), then built-in
 *   include file.inc                  a bare name: the user's directories first, then the system's
 *
 * A `.local` file that does not exist is not an error: it is the hook for local changes.
 */
import { didYouMean } from '../suggest.ts';
import { quote } from './diagnostics.ts';
import type { MacroEnv } from './macros.ts';
import { normalizePath } from './paths.ts';
import { exists, locate, namesIn, type Located, type SearchPath } from './search.ts';

export type IncludeTarget =
  | { readonly kind: 'found'; readonly located: Located }
  /** Absent; `silent` for a `.local` file. */
  | { readonly kind: 'missing'; readonly silent: boolean; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

export function resolveInclude(target: string, env: MacroEnv, search: SearchPath): IncludeTarget {
  const silent = target.endsWith('.local');
  const file = (path: string): IncludeTarget => {
    const norm = normalizePath(path);
    if (typeof norm !== 'string') return { kind: 'error', message: `include: ${norm.error}` };
    if (exists(norm)) return { kind: 'found', located: { kind: 'file', path: norm } };
    return { kind: 'missing', silent, message: `include file ${quote(norm)} does not exist` };
  };
  const searched = (name: string, dirs: readonly string[]): IncludeTarget => {
    if (name === '' || name.split('/').includes('..')) return { kind: 'error', message: `invalid include name ${quote(target)}` };
    const found = locate(name, dirs, search.builtins);
    if (found !== undefined) return { kind: 'found', located: found };
    if (silent) return { kind: 'missing', silent, message: '' };
    // Only on the error path: list the directories for a "did you mean".
    const known = new Set(search.builtins.keys());
    for (const dir of dirs) for (const n of namesIn(dir)) known.add(n);
    const where = [...dirs, 'the built-in profiles'].join(', ');
    return { kind: 'missing', silent, message: `include file ${quote(name)} not found in ${where}${didYouMean(name, known)}` };
  };

  if (target.startsWith('${CFG}/')) return searched(target.slice('${CFG}/'.length), search.systemDirs);
  if (target.startsWith('${HOME}/')) return file(`${env.home}/${target.slice('${HOME}/'.length)}`);
  if (target.startsWith('~/')) return file(`${env.home}/${target.slice(2)}`);
  if (target.startsWith('${')) return { kind: 'error', message: `an include may start with \${HOME} or \${CFG}, not ${quote(target)}` };
  if (target.startsWith('/')) return file(target);
  if (target.includes('/')) {
    return { kind: 'error', message: `include ${quote(target)}: give an absolute path, a path under \${HOME} or \${CFG}, or a bare file name` };
  }
  return searched(target, search.dirs);
}
