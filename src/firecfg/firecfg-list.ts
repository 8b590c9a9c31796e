/**
 * Which programs firecfg links to kiln: kiln's own list of desktop programs, then the lists on the host,
 * read in order, each line a program name (`#` starts a comment, `!name` takes a name out again):
 *
 *   built in, /etc/firejail/firecfg.config, /etc/kiln/firecfg.config, ~/.config/kiln/firecfg.config
 *
 * A name is only a candidate: firecfg links it if it is installed and kiln finds a profile for it.
 */
import { assertNever } from '../errors.ts';

/**
 * Desktop programs that commonly have a profile (Firejail's profiles, or the user's), by kind. Left out on
 * purpose: file managers (every program they open would share their sandbox), terminals and shells, and
 * command-line tools that scripts call (a sandboxed `git` or `tar` surprises more than it protects).
 */
const BUILTIN_LIST: Readonly<Record<string, readonly string[]>> = {
  browsers: [
    'firefox', 'firefox-esr', 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'brave-browser',
    'vivaldi', 'vivaldi-stable', 'opera', 'epiphany', 'falkon', 'qutebrowser', 'librewolf', 'midori', 'seamonkey',
    'palemoon', 'waterfox', 'torbrowser-launcher',
  ],
  mail: ['thunderbird', 'evolution', 'geary', 'claws-mail', 'kmail', 'balsa', 'sylpheed'],
  chat: [
    'pidgin', 'hexchat', 'gajim', 'element-desktop', 'signal-desktop', 'telegram-desktop', 'discord', 'slack', 'zoom',
    'quassel', 'konversation', 'dino', 'jami-gnome', 'linphone', 'mumble', 'qtox', 'nheko', 'fractal', 'polari',
  ],
  media: [
    'vlc', 'mpv', 'smplayer', 'totem', 'celluloid', 'parole', 'rhythmbox', 'audacious', 'clementine', 'strawberry',
    'lollypop', 'quodlibet', 'amarok', 'deadbeef', 'qmmp', 'kodi', 'spotify', 'kaffeine', 'dragon', 'gnome-music',
  ],
  production: [
    'audacity', 'kdenlive', 'shotcut', 'openshot', 'pitivi', 'obs', 'ghb', 'avidemux', 'ardour5', 'lmms', 'musescore',
    'picard', 'kid3',
  ],
  graphics: [
    'gimp', 'inkscape', 'krita', 'darktable', 'digikam', 'shotwell', 'eog', 'eom', 'ristretto', 'gwenview', 'feh',
    'nomacs', 'gthumb', 'gpicview', 'mirage', 'viewnior', 'blender', 'pinta', 'mypaint', 'scribus', 'dia', 'drawio',
    'librecad', 'freecad', 'hugin', 'luminance-hdr', 'flameshot', 'peek',
  ],
  documents: [
    'evince', 'okular', 'atril', 'xreader', 'zathura', 'qpdfview', 'mupdf', 'calibre', 'fbreader', 'libreoffice',
    'abiword', 'lyx', 'ghostwriter', 'apostrophe', 'xournalpp', 'masterpdfeditor',
  ],
  editors: ['gedit', 'mousepad', 'pluma', 'kate', 'kwrite', 'leafpad', 'geany', 'bluefish', 'xed', 'vscodium'],
  archives: ['file-roller', 'engrampa', 'ark'],
  transfers: ['transmission-gtk', 'transmission-qt', 'qbittorrent', 'deluge', 'ktorrent', 'uget-gtk', 'filezilla'],
  utilities: [
    'gnome-calculator', 'galculator', 'kcalc', 'mate-calc', 'keepassxc', 'keepass2', 'bitwarden', 'baobab', 'bleachbit',
    'remmina', 'gnome-maps', 'gnome-weather', 'gnome-clocks', 'gnome-contacts', 'gnome-calendar',
  ],
  games: ['0ad', 'supertuxkart', 'supertux2', 'wesnoth', 'minetest', 'openttd', 'frozen-bubble', 'hedgewars', 'steam', 'lutris'],
  news: ['liferea', 'akregator', 'quiterss'],
};

export const BUILTIN_PROGRAMS: readonly string[] = Object.values(BUILTIN_LIST).flat();

/** kiln's own names: a link by these names is kiln itself (or its firecfg), never a program to sandbox. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['kiln', 'firecfg']);

/**
 * A name firecfg may create a link for: a plain file name that needs no quoting in a .desktop Exec line,
 * and not one of kiln's own names.
 */
export function isProgramName(name: string): boolean {
  return /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/.test(name) && !RESERVED_NAMES.has(name);
}

/** One list file's lines, in order. */
export type ListLine =
  | { readonly kind: 'add'; readonly name: string }
  | { readonly kind: 'remove'; readonly name: string }
  | { readonly kind: 'invalid'; readonly line: number; readonly text: string };

export function parseProgramList(text: string): ListLine[] {
  const out: ListLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const line = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (line === '') return;
    const remove = line.startsWith('!');
    const name = remove ? line.slice(1).trim() : line;
    if (!isProgramName(name)) out.push({ kind: 'invalid', line: i + 1, text: line });
    else out.push(remove ? { kind: 'remove', name } : { kind: 'add', name });
  });
  return out;
}

export interface ListSource {
  /** Where the text came from, for messages. */
  readonly file: string;
  readonly text: string;
}

export interface Candidates {
  /** Sorted, each once. */
  readonly names: readonly string[];
  /** Lines that name no program (`file:line: text`), for a warning. */
  readonly invalid: readonly string[];
}

/** The built-in list, then each source in order: a later file's `!name` removes what came before it. */
export function mergeCandidates(sources: readonly ListSource[], builtin: readonly string[] = BUILTIN_PROGRAMS): Candidates {
  const names = new Set(builtin);
  const invalid: string[] = [];
  for (const { file, text } of sources) {
    for (const l of parseProgramList(text)) {
      switch (l.kind) {
        case 'add':
          names.add(l.name);
          break;
        case 'remove':
          names.delete(l.name);
          break;
        case 'invalid':
          invalid.push(`${file}:${l.line}: ${l.text}`);
          break;
        default:
          assertNever(l);
      }
    }
  }
  return { names: [...names].sort(), invalid };
}

/** The list files, in the order they are read (a missing one is simply skipped). */
export function listFiles(home: string | undefined): string[] {
  return ['/etc/firejail/firecfg.config', '/etc/kiln/firecfg.config', ...(home !== undefined ? [`${home}/.config/kiln/firecfg.config`] : [])];
}
