/**
 * The macro environment of the calling user: home, runtime directory, binary directories and the XDG
 * user directories. Lazy where it costs I/O: user-dirs.dirs is read only when a profile uses an XDG macro.
 */
import { realPath, stat } from '../sys/fs.ts';
import { readProfileFile } from './files.ts';
import type { MacroEnv, XdgMacro } from './macros.ts';
import { normalizePath } from './paths.ts';

/**
 * `${PATH}`: the standard binary directories, then any other absolute directory of $PATH. The standard
 * ones come first and always, so that a trimmed $PATH cannot make `blacklist ${PATH}/su` miss /usr/bin/su.
 * Directories that do not exist are left out, and so are aliases (on a merged-/usr system /bin is
 * /usr/bin): each `${PATH}/name` becomes one rule per real directory, which the planner then checks.
 */
export const STANDARD_BIN_DIRS = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
  '/usr/games',
  '/usr/local/games',
] as const;

const XDG_KEYS: Readonly<Record<XdgMacro, string>> = {
  DOWNLOADS: 'XDG_DOWNLOAD_DIR',
  DESKTOP: 'XDG_DESKTOP_DIR',
  DOCUMENTS: 'XDG_DOCUMENTS_DIR',
  MUSIC: 'XDG_MUSIC_DIR',
  PICTURES: 'XDG_PICTURES_DIR',
  VIDEOS: 'XDG_VIDEOS_DIR',
};

/** Firejail's fallback names when user-dirs.dirs has no usable entry: English, Russian, French. */
const XDG_FALLBACKS: Readonly<Record<XdgMacro, readonly string[]>> = {
  DOWNLOADS: ['Downloads', 'Загрузки', 'Téléchargement'],
  DESKTOP: ['Desktop', 'Рабочий стол', 'Bureau'],
  DOCUMENTS: ['Documents', 'Документы'],
  MUSIC: ['Music', 'Музыка', 'Musique'],
  PICTURES: ['Pictures', 'Изображения', 'Photos'],
  VIDEOS: ['Videos', 'Видео', 'Vidéos'],
};

/**
 * The `$HOME/…` entries of a user-dirs.dirs text, by key. Like Firejail, only paths under $HOME count;
 * the file's other forms (absolute paths) are not used.
 */
export function parseUserDirs(text: string): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(XDG_[A-Z]+_DIR)="\$HOME\/([^"]*)"\s*$/.exec(line);
    if (m !== null && m[1] !== undefined && m[2] !== undefined && m[2] !== '') dirs.set(m[1], m[2]);
  }
  return dirs;
}

function isDir(path: string): boolean {
  return stat(path)?.isDir === true;
}

export function buildMacroEnv(homeDir: string, uid: number, pathVar: string | undefined, cfg = '/etc/kiln'): MacroEnv {
  const norm = homeDir.startsWith('/') ? normalizePath(homeDir) : '/';
  const home = typeof norm === 'string' ? norm : '/';
  let userDirs: Map<string, string> | undefined;
  const resolved = new Map<XdgMacro, string | undefined>();
  const xdgDir = (name: XdgMacro): string | undefined => {
    if (resolved.has(name)) return resolved.get(name);
    if (userDirs === undefined) {
      const r = readProfileFile(`${home}/.config/user-dirs.dirs`);
      // An absent or unreadable user-dirs.dirs means "no entries": the fallback names apply.
      userDirs = r.kind === 'text' ? parseUserDirs(r.text) : new Map();
    }
    const candidates = [userDirs.get(XDG_KEYS[name]), ...XDG_FALLBACKS[name]];
    let dir: string | undefined;
    for (const c of candidates) {
      if (c === undefined) continue;
      const norm = normalizePath(`${home}/${c}`);
      if (typeof norm === 'string' && isDir(norm)) {
        dir = norm;
        break;
      }
    }
    resolved.set(name, dir);
    return dir;
  };
  let pathDirs: readonly string[] | undefined;
  return {
    home,
    runUser: `/run/user/${uid}`,
    cfg,
    get pathDirs(): readonly string[] {
      pathDirs ??= binaryDirs(pathVar);
      return pathDirs;
    },
    xdgDir,
  };
}

/** The real, existing directories of `${PATH}`, without duplicates, in search order. */
export function binaryDirs(pathVar: string | undefined, resolve: (dir: string) => string | undefined = realPath): string[] {
  const candidates: string[] = [...STANDARD_BIN_DIRS];
  for (const d of (pathVar ?? '').split(':')) {
    const norm = d.startsWith('/') ? normalizePath(d) : undefined;
    if (typeof norm === 'string') candidates.push(norm);
  }
  const out: string[] = [];
  for (const dir of candidates) {
    const real = resolve(dir); // undefined: the directory does not exist
    if (real !== undefined && !out.includes(real)) out.push(real);
  }
  return out;
}
