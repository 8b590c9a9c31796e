/**
 * File globbing as Firejail uses it (glob(3) and fnmatch(3) with FNM_PATHNAME): `*`, `?` and `[…]` match
 * within one path component, and a leading `.` must be matched explicitly. Expansion asks the FsView, so
 * it stays pure.
 */
import type { FsView } from '../host/fsview.ts';

export function hasGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

const cache = new Map<string, RegExp>();

function componentRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re !== undefined) return re;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        src += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      src += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else src += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`, 's');
  cache.set(pattern, re);
  return re;
}

/** fnmatch for one component: a leading dot in `name` must be matched by a literal dot. */
export function matchComponent(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return componentRegExp(pattern).test(name);
}

/** fnmatch(pattern, path, FNM_PATHNAME): component by component. */
export function matchPath(pattern: string, path: string): boolean {
  if (!hasGlob(pattern)) return trimSlash(pattern) === trimSlash(path);
  const p = trimSlash(pattern).split('/');
  const s = trimSlash(path).split('/');
  if (p.length !== s.length) return false;
  return p.every((part, i) => matchComponent(part, s[i] ?? ''));
}

export function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** Every existing path matching an absolute pattern, sorted; the path itself if it has no glob and exists. */
export function expandGlob(pattern: string, fs: FsView): string[] {
  const parts = trimSlash(pattern).split('/').slice(1);
  let current = ['/'];
  for (const part of parts) {
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of current) {
      const base = dir === '/' ? '' : dir;
      if (!hasGlob(part)) {
        next.push(`${base}/${part}`);
        continue;
      }
      for (const name of fs.glob(dir, part, (n) => matchComponent(part, n))) next.push(`${base}/${name}`);
    }
    current = next;
    if (current.length === 0) break;
  }
  return current.filter((p) => fs.lstat(p) !== undefined).sort();
}
