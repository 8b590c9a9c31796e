/**
 * Path names as the IDS database and its report write them, exclusions, and where the database lives.
 * All pure.
 */
import { matchPath } from '../plan/glob.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hex(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * A file name's bytes as text that fits on one line and maps back to exactly those bytes: a backslash is
 * written `\\`, a control character `\xNN`, and so is every byte of a name that is not valid UTF-8 (then
 * only printable ASCII stays as it is). A name the report cannot print faithfully must still be checked,
 * so names are never dropped or replaced by U+FFFD.
 */
export function escapeName(bytes: Uint8Array): string {
  let text: string | undefined;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined; // not UTF-8: escaped byte by byte below
  }
  if (text !== undefined) {
    return text.replace(/[\\\x00-\x1f\x7f]/g, (c) => (c === '\\' ? '\\\\' : hex(c.charCodeAt(0))));
  }
  let out = '';
  for (const b of bytes) out += b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : hex(b);
  return out;
}

/** Whether `path` or a directory above it matches one of the exclusion patterns. */
export function isExcluded(path: string, exclude: readonly string[]): boolean {
  if (exclude.length === 0) return false;
  const parts = path.split('/');
  for (const pattern of exclude) {
    // A pattern of n components is matched against the path's first n components.
    const n = pattern.replace(/\/+$/, '').split('/').length;
    if (n <= parts.length && matchPath(pattern, parts.slice(0, n).join('/') || '/')) return true;
  }
  return false;
}

/**
 * Where the database lives. KILN_IDS_DB names it outright (tests use that). Otherwise root's is
 * /var/lib/kiln/ids.json and a user's $XDG_STATE_HOME/kiln/ids.json (~/.local/state/kiln/ids.json).
 *
 * NOTE: root ignores XDG_STATE_HOME: under `sudo -E` it would name the invoking user's directory, and a
 * database that user can replace proves nothing. The state directory of launches (/run/kiln) is no place
 * either: it is a tmpfs, and the database must outlive a reboot.
 */
export function databasePath(uid: number, env: Readonly<Record<string, string | undefined>>, home: string): string {
  const explicit = env['KILN_IDS_DB'];
  if (explicit !== undefined && explicit !== '') return explicit;
  if (uid === 0) return '/var/lib/kiln/ids.json';
  const xdg = env['XDG_STATE_HOME'];
  const base = xdg !== undefined && xdg.startsWith('/') ? xdg : `${home === '/' ? '' : home}/.local/state`;
  return `${base}/kiln/ids.json`;
}

/** The config files read, in order: KILN_IDS_CONFIG alone when set, else Firejail's then kiln's own. */
export function configSources(env: Readonly<Record<string, string | undefined>>): string[] {
  const explicit = env['KILN_IDS_CONFIG'];
  if (explicit !== undefined && explicit !== '') return [explicit];
  return ['/etc/firejail/ids.config', '/etc/kiln/ids.config'];
}
