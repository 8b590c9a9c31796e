/**
 * Which profile a launch uses, in the order of firejail(1):
 *
 *   1. --profile=NAME|PATH: a path (absolute, relative to the current directory, or an existing file),
 *      else NAME.profile searched for; `:NAME` forces the search
 *   2. a profile named after the program's basename
 *   3. default.profile for a normal user, server.profile for root
 *
 * --noprofile skips all three. The search path is described in search.ts.
 */
import { UsageError } from '../errors.ts';
import { didYouMean } from '../suggest.ts';
import { quote } from './diagnostics.ts';
import { availableProfiles, exists, locate, type Located, type SearchPath } from './search.ts';

export type Selection =
  | { readonly kind: 'none' }
  | { readonly kind: 'profile'; readonly located: Located; readonly reason: 'option' | 'program' | 'default' };

export interface SelectRequest {
  readonly profile?: string;
  readonly noprofile: boolean;
  /** argv[0] of the program, as given; undefined when kiln starts a shell. */
  readonly program?: string;
  readonly isRoot: boolean;
  readonly cwd: string;
}

function profileFileName(name: string): string {
  return name.endsWith('.profile') ? name : `${name}.profile`;
}

/** `--profile=` and `--profile.check=` arguments: a path, or a name to search for. */
export function findProfile(arg: string, search: SearchPath, cwd: string): Located {
  const forced = arg.startsWith(':');
  const name = forced ? arg.slice(1) : arg;
  if (!forced) {
    const path = name.startsWith('/') ? name : `${cwd}/${name}`;
    if (name.includes('/') || exists(path)) {
      if (!exists(path)) throw new UsageError(`profile file ${quote(name)} does not exist`);
      return { kind: 'file', path };
    }
  }
  if (name === '' || name.includes('/')) throw new UsageError(`invalid profile name ${quote(arg)}`);
  const found = locate(profileFileName(name), search.dirs, search.builtins);
  if (found !== undefined) return found;
  const names = availableProfiles(search);
  const where = [...search.dirs, 'the built-in profiles'].join(', ');
  throw new UsageError(`no profile with name ${quote(name)} found in ${where}${didYouMean(name.replace(/\.profile$/, ''), names)}`);
}

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function selectProfile(req: SelectRequest, search: SearchPath): Selection {
  if (req.noprofile) {
    if (req.profile !== undefined) throw new UsageError('--profile and --noprofile cannot be used together');
    return { kind: 'none' };
  }
  if (req.profile !== undefined) return { kind: 'profile', located: findProfile(req.profile, search, req.cwd), reason: 'option' };
  if (req.program !== undefined) {
    const base = basename(req.program);
    // A program called `.profile` or with a blank would never name a profile file; do not search for it.
    if (base !== '' && !base.startsWith('.') && !/\s/.test(base)) {
      const found = locate(`${base}.profile`, search.dirs, search.builtins);
      if (found !== undefined) return { kind: 'profile', located: found, reason: 'program' };
    }
  }
  const fallback = req.isRoot ? 'server.profile' : 'default.profile';
  const found = locate(fallback, search.dirs, search.builtins);
  // Always present: both are built in.
  if (found === undefined) throw new UsageError(`no ${fallback} found, and none is built in`);
  return { kind: 'profile', located: found, reason: 'default' };
}
