/**
 * Macros in profile paths: `${HOME}`, `~`, `${CFG}`, `${RUNUSER}`, `${PATH}` and the XDG user directories
 * (`${DOWNLOADS}`, `${DESKTOP}`, `${DOCUMENTS}`, `${MUSIC}`, `${PICTURES}`, `${VIDEOS}`).
 *
 * As in Firejail, a macro is only recognized at the start of a path. `${PATH}/name` stands for the name in
 * every binary directory, so it expands to several paths. An XDG directory comes from
 * ~/.config/user-dirs.dirs when that names an existing directory under $HOME, else from the first of
 * Firejail's fallback names (English, Russian, French) that exists; when none exists the macro does not
 * resolve and the line is skipped, as Firejail skips it.
 */
import { quote } from './diagnostics.ts';
import { normalizePath } from './paths.ts';


export interface MacroEnv {
  /** The user's home directory: absolute and normalized. */
  readonly home: string;
  /** `${RUNUSER}`: /run/user/UID. */
  readonly runUser: string;
  /** `${CFG}` outside `include`: kiln's system configuration directory. */
  readonly cfg: string;
  /** `${PATH}`: the directories a program name may live in, in search order. */
  readonly pathDirs: readonly string[];
  /** Resolves an XDG user directory macro name (`DOWNLOADS`) to an absolute path, or undefined. */
  readonly xdgDir: (name: XdgMacro) => string | undefined;
}

export const XDG_MACROS = ['DOWNLOADS', 'DESKTOP', 'DOCUMENTS', 'MUSIC', 'PICTURES', 'VIDEOS'] as const;
export type XdgMacro = (typeof XDG_MACROS)[number];
export const MACROS = ['HOME', 'CFG', 'PATH', 'RUNUSER', ...XDG_MACROS] as const;

export type Expansion =
  | { readonly kind: 'paths'; readonly paths: readonly string[] }
  /** An XDG macro with no directory on this machine: the command has nothing to act on. */
  | { readonly kind: 'unresolved'; readonly macro: string }
  | { readonly kind: 'error'; readonly message: string };


/**
 * Expands the macros of one path argument and normalizes the result. The result is always absolute: a
 * relative path is an error, because Firejail would resolve it against whatever directory it was started
 * in.
 */
export function expandPath(written: string, env: MacroEnv): Expansion {
  // NOTE: the common forms first, with as few calls as possible: this runs for most of the thousands of
  // lines a launch reads, in JavaScriptCore's interpreter.
  if (written.startsWith('${HOME}/') && isPlain(written, 7)) return { kind: 'paths', paths: [env.home === '/' ? written.slice(7) : env.home + written.slice(7)] };
  if (written.charCodeAt(0) === 0x2f /* / */ && isPlain(written, 0)) return { kind: 'paths', paths: [written] };
  let rest = written;
  // One prefix, except for ${PATH}, which stands for every binary directory.
  let prefix = '';
  let several: readonly string[] | undefined;
  const close = written.startsWith('${') ? written.indexOf('}') : -1;
  if (close > 0) {
    const name = written.slice(2, close);
    const macro = written.slice(0, close + 1);
    rest = written.slice(close + 1);
    switch (name) {
      case 'HOME':
        prefix = env.home;
        break;
      case 'CFG':
        prefix = env.cfg;
        break;
      case 'RUNUSER':
        prefix = env.runUser;
        break;
      case 'PATH':
        several = env.pathDirs;
        break;
      case 'DOWNLOADS':
      case 'DESKTOP':
      case 'DOCUMENTS':
      case 'MUSIC':
      case 'PICTURES':
      case 'VIDEOS': {
        const dir = env.xdgDir(name);
        if (dir === undefined) return { kind: 'unresolved', macro };
        prefix = dir;
        break;
      }
      default:
        return { kind: 'error', message: `unknown macro ${quote(macro)}; the macros are ${MACROS.map((x) => `\${${x}}`).join(', ')}` };
    }
    if (rest !== '' && !rest.startsWith('/')) return { kind: 'error', message: `a '/' must follow the macro ${macro}` };
  } else if (written === '~' || written.startsWith('~/')) {
    prefix = env.home;
    rest = written.slice(1);
  }
  if (rest.includes('${')) return { kind: 'error', message: 'a macro is only expanded at the start of a path' };
  if (several === undefined) {
    const one = absolute(prefix + rest);
    return typeof one === 'string' ? { kind: 'paths', paths: [one] } : one;
  }
  const paths: string[] = [];
  for (const dir of several) {
    const one = absolute(dir + rest);
    if (typeof one !== 'string') return one;
    if (!paths.includes(one)) paths.push(one);
  }
  return { kind: 'paths', paths };
}

function absolute(full: string): string | { kind: 'error'; message: string } {
  if (!full.startsWith('/')) return { kind: 'error', message: 'the path must be absolute, or start with ~ or a macro such as ${HOME}' };
  const norm = normalizePath(full);
  return typeof norm === 'string' ? norm : { kind: 'error', message: norm.error };
}

const DOT_SEGMENT = /\/\.\.?(\/|$)/;

/** Whether `path`, from `from` on, is already normal: no macro, no `//`, no `.` or `..` segment, no final `/`. */
function isPlain(path: string, from: number): boolean {
  if (path.indexOf('$', from) >= 0 || path.indexOf('//', from) >= 0 || path.endsWith('/')) return false;
  // `/.` starts most dotfile paths (`/.ssh`); only a `.` or `..` segment needs the slow path.
  return path.indexOf('/.', from) < 0 || !DOT_SEGMENT.test(path);
}
