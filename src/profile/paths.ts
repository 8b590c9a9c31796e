/**
 * Path hygiene for profile arguments. Paths are compared as strings (noblacklist against blacklist,
 * nowhitelist against whitelist), so they are normalized once here: no `//`, no `.` segment, no trailing
 * `/`. A `..` segment is refused: it would let a rule that reads as `${HOME}/...` reach outside the home
 * directory. Other characters are allowed (Firejail's own profiles hide `~/.config/Element (Riot)`):
 * paths travel to bwrap as argv elements, never through a shell.
 */

/** Glob metacharacters (glob(7)): `*`, `?` and `[`. (indexOf: this runs for every rule.) */
export function hasGlob(path: string): boolean {
  return path.indexOf('*') >= 0 || path.indexOf('?') >= 0 || path.indexOf('[') >= 0;
}

// Any of these needs the slow path: `//`, a `.` or `..` segment, a trailing `/`.
const NEEDS_WORK = /\/\/|\/\.\.?(\/|$)|.\/$/;

export function normalizePath(path: string): string | { error: string } {
  if (path.startsWith('/') && !NEEDS_WORK.test(path)) return path;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') return { error: "'..' is not allowed in a path" };
    out.push(seg);
  }
  return `/${out.join('/')}`;
}
