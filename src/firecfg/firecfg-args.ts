/** firecfg's command line: Firejail's firecfg options, plus --applications-dir (kiln's). */
import { UsageError } from '../errors.ts';
import { didYouMean } from '../suggest.ts';

export type FirecfgAction =
  /** No action option: create the links (Firejail's default action, without its --fix and --add-users). */
  | { readonly kind: 'links' }
  | { readonly kind: 'list' }
  | { readonly kind: 'clean' }
  | { readonly kind: 'fix' }
  | { readonly kind: 'fix-sound' }
  | { readonly kind: 'add-users'; readonly users: readonly string[] }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

export interface FirecfgRequest {
  readonly action: FirecfgAction;
  /** --bindir as typed; absent means /usr/local/bin. */
  readonly bindir?: string;
  /** --applications-dir as typed: where --fix reads .desktop files; absent means /usr/share/applications. */
  readonly applicationsDir?: string;
  readonly debug: boolean;
}

const ACTIONS = ['list', 'clean', 'fix', 'fix-sound', 'add-users', 'help', 'version'] as const;
const VALUES = ['bindir', 'applications-dir'] as const;
const OPTION_NAMES = [...ACTIONS, ...VALUES, 'debug', 'guide'].map((n) => `--${n}`);

export function parseFirecfgArgs(args: readonly string[]): FirecfgRequest {
  let action: FirecfgAction | undefined;
  let actionOption = '';
  let bindir: string | undefined;
  let applicationsDir: string | undefined;
  let debug = false;
  const setAction = (a: FirecfgAction, option: string) => {
    if (action !== undefined) throw new UsageError(`firecfg: ${actionOption} and ${option} cannot be used together`);
    action = a;
    actionOption = option;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (name === '--bindir' || name === '--applications-dir') {
      if (value === undefined || value === '') throw new UsageError(`firecfg: ${name} needs a directory: ${name}=DIR`);
      if (name === '--bindir') bindir = value;
      else applicationsDir = value;
      continue;
    }
    if (value !== undefined && OPTION_NAMES.includes(name)) throw new UsageError(`firecfg: ${name} takes no value`);
    switch (arg) {
      case '--debug':
        debug = true;
        break;
      case '--help':
      case '-?':
        setAction({ kind: 'help' }, arg);
        break;
      case '--version':
      case '--list':
      case '--clean':
      case '--fix':
      case '--fix-sound':
        setAction({ kind: arg.slice(2) as 'version' | 'list' | 'clean' | 'fix' | 'fix-sound' }, arg);
        break;
      case '--add-users':
        // As in Firejail, every word after it is a user name.
        setAction({ kind: 'add-users', users: args.slice(i + 1) }, arg);
        i = args.length;
        break;
      case '--guide':
        throw new UsageError("firecfg: --guide (Firejail's interactive set-up) is not available in kiln; see firecfg --help");
      default:
        if (arg.startsWith('-')) throw new UsageError(`firecfg: unknown option '${name}'${didYouMean(name, OPTION_NAMES)}; see firecfg --help`);
        throw new UsageError(`firecfg: unexpected argument '${arg}'; see firecfg --help`);
    }
  }
  return {
    action: action ?? { kind: 'links' },
    ...(bindir !== undefined ? { bindir } : {}),
    ...(applicationsDir !== undefined ? { applicationsDir } : {}),
    debug,
  };
}

/** A directory argument made absolute: `~/x` is under `home`, a relative path under `cwd`. */
export function absoluteDir(arg: string, cwd: string, home: string | undefined): string {
  let path = arg;
  if (path === '~' || path.startsWith('~/')) {
    if (home === undefined) throw new UsageError(`firecfg: cannot expand '${arg}': HOME is not set`);
    path = `${home}${path.slice(1)}`;
  } else if (!path.startsWith('/')) {
    path = `${cwd}/${path}`;
  }
  const parts: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return `/${parts.join('/')}`;
}

export const FIRECFG_HELP = `firecfg - kiln's desktop integration (kiln --firecfg, or kiln run as 'firecfg')

Usage: firecfg [--bindir=DIR] [--debug] [ACTION]

Without an action, firecfg links every installed program that has a profile to
kiln, in /usr/local/bin (or DIR), so that running it by name (from a terminal
or a menu whose entry calls it by name) starts it in a kiln sandbox. Existing
files and links that are not kiln's are never replaced.

Actions:
  --list                 list the links to kiln in the bin directory
  --clean                remove them, and the .desktop files --fix wrote
  --fix                  copy the .desktop files whose Exec= names a linked
                         program by its full path into ~/.local/share/
                         applications, calling it by name instead
  --fix-sound            not needed with kiln; changes nothing
  --add-users USER...    not needed with kiln (no setuid); changes nothing
  --help, --version

Options:
  --bindir=DIR           the links' directory (default /usr/local/bin); it
                         should come before /usr/bin on PATH
  --applications-dir=DIR where --fix reads .desktop files
                         (default /usr/share/applications)
  --debug                say what is checked

The programs: kiln's built-in list, then /etc/firejail/firecfg.config,
/etc/kiln/firecfg.config and ~/.config/kiln/firecfg.config (a name a line,
'!name' removes one). See docs/desktop.md.
`;
