/**
 * Which profile a launch uses, in the order of firejail(1):
 *
 *   1. --profile=NAME|PATH: a path (absolute, relative to the current directory, or an existing file),
 *      else NAME.profile searched for; `:NAME` forces the search
 *   2. a profile named after the program's basename; for `--appimage FILE`, FILE's basename, then the
 *      application's name in it (appImageName: `Krita-5.2.2-x86_64.AppImage` → `krita`)
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
  /** argv[0] of the program, as given (the AppImage file under --appimage); undefined when kiln starts a shell. */
  readonly program?: string;
  /** `program` is an AppImage file (--appimage): its application name is tried after its basename. */
  readonly appimage?: boolean;
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

/** Words an AppImage's file name carries after the application's name: architectures and platforms. */
const TRAILING_WORDS = new Set(['x86', 'x64', 'amd64', 'i386', 'i686', 'aarch64', 'arm64', 'armhf', 'armv7l', 'linux', 'glibc']);

/**
 * The application's name in an AppImage's file name, lowercased: the extension `.AppImage` (any case)
 * dropped, and everything from the first `-` or `_` that starts a version (a digit, or `v` and a digit) or
 * a platform word (x86_64, aarch64, linux, …). `Krita-5.2.2-x86_64.AppImage` → `krita`,
 * `Some-App_v1.0-x86_64.AppImage` → `some-app`, `nvim.appimage` → `nvim`. Undefined if nothing is left.
 */
export function appImageName(base: string): string | undefined {
  const stem = base.replace(/\.appimage$/i, '').toLowerCase();
  let end = stem.length;
  for (let i = 0; i < stem.length && end === stem.length; i++) {
    if (stem[i] !== '-' && stem[i] !== '_') continue;
    const word = stem.slice(i + 1).split(/[-_]/)[0] ?? '';
    if (/^v?\d/.test(word) || TRAILING_WORDS.has(word)) end = i;
  }
  const name = stem.slice(0, end);
  return name === '' ? undefined : name;
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
    const app = req.appimage === true ? appImageName(base) : undefined;
    for (const name of [base, ...(app !== undefined && app !== base ? [app] : [])]) {
      // A program called `.profile` or with a blank would never name a profile file; do not search for it.
      if (name === '' || name.startsWith('.') || /\s/.test(name)) continue;
      const found = locate(`${name}.profile`, search.dirs, search.builtins);
      if (found !== undefined) return { kind: 'profile', located: found, reason: 'program' };
    }
  }
  const fallback = req.isRoot ? 'server.profile' : 'default.profile';
  const found = locate(fallback, search.dirs, search.builtins);
  // Always present: both are built in.
  if (found === undefined) throw new UsageError(`no ${fallback} found, and none is built in`);
  return { kind: 'profile', located: found, reason: 'default' };
}
