/**
 * The IDS configuration: which paths --ids-init and --ids-check cover. Firejail's format, read by a parser
 * of our own:
 *
 *   # a comment; a ` #` later on a line also starts one (Firejail's own file writes `!path # excluding`)
 *   include NAME        another file; a relative NAME is looked up beside the including file; a missing
 *                       file is skipped (Firejail's ids.config includes an ids.config.local that rarely exists)
 *   /usr/bin            a file or directory (directories are scanned recursively)
 *   ${HOME}/.bashrc     macros as in profiles (${HOME}, ~, ${CFG}, ${PATH}, the XDG ones), at the start only
 *   /etc/passwd*        glob(7) patterns: `*`, `?`, `[…]`, within one path component
 *   !${HOME}/.ssh/known_hosts   never scanned, nor anything under it
 *
 * Unlike Firejail, an exclusion applies to the whole configuration wherever it is written, so that a file
 * read later (kiln's own /etc/kiln/ids.config) can take paths out of Firejail's list.
 */
import { UsageError } from '../errors.ts';
import { quote } from '../profile/diagnostics.ts';
import type { FileRead } from '../profile/files.ts';
import { expandPath, type MacroEnv } from '../profile/macros.ts';

/** One meaningful line of a config file. */
export type IdsLine =
  | { readonly kind: 'include'; readonly name: string; readonly line: number }
  | { readonly kind: 'path'; readonly pattern: string; readonly line: number }
  | { readonly kind: 'exclude'; readonly pattern: string; readonly line: number };

/** What a configuration amounts to, macros expanded; `paths` and `exclude` may hold glob patterns. */
export interface IdsConfig {
  /** The files actually read, in order (missing includes are not listed). */
  readonly files: readonly string[];
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
}

/** How deep `include` may nest before kiln calls it a mistake. */
const MAX_INCLUDE_DEPTH = 8;

/** Splits one file into its lines; pure. */
export function parseIdsConfig(text: string): IdsLine[] {
  const out: IdsLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // A `#` opens a comment at the start of a line or after white space; `a#b` is a file name.
    const body = (lines[i] ?? '').replace(/(^|\s)#.*$/, '').trim();
    if (body === '') continue;
    const line = i + 1;
    const include = /^include\s+(.+)$/.exec(body);
    if (include !== null) out.push({ kind: 'include', name: include[1] ?? '', line });
    else if (body.startsWith('!')) out.push({ kind: 'exclude', pattern: body.slice(1).trim(), line });
    else out.push({ kind: 'path', pattern: body, line });
  }
  return out;
}

function locate(file: string, line: number, message: string): UsageError {
  return new UsageError(`${file}:${line}: ${message}`);
}

function dirOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash <= 0 ? '/' : file.slice(0, slash);
}

/**
 * Reads the configuration from `sources` in order (each may be missing, but not all of them), following
 * includes. `read` is the file reader (readProfileFile in kiln, a table in tests), so this stays pure.
 */
export function loadIdsConfig(sources: readonly string[], read: (path: string) => FileRead, env: MacroEnv): IdsConfig {
  const files: string[] = [];
  const paths: string[] = [];
  const exclude: string[] = [];
  const open: string[] = [];

  const expand = (file: string, line: number, written: string): readonly string[] => {
    if (written === '') throw locate(file, line, 'an exclusion needs a path after !');
    const e = expandPath(written, env);
    switch (e.kind) {
      case 'paths':
        return e.paths;
      case 'unresolved':
        return []; // an XDG directory this user does not have: nothing to scan, as in profiles
      case 'error':
        throw locate(file, line, `${quote(written)}: ${e.message}`);
    }
  };

  const visit = (file: string, from?: { file: string; line: number }): void => {
    if (open.length >= MAX_INCLUDE_DEPTH) throw locate(from?.file ?? file, from?.line ?? 0, `includes nest more than ${MAX_INCLUDE_DEPTH} deep`);
    if (open.includes(file)) throw locate(from?.file ?? file, from?.line ?? 0, `${quote(file)} includes itself`);
    const r = read(file);
    switch (r.kind) {
      case 'missing':
        return;
      case 'error':
        throw new UsageError(`${file}${r.line !== undefined ? `:${r.line}` : ''}: ${r.message}`);
      case 'text':
        break;
    }
    files.push(file);
    open.push(file);
    for (const l of parseIdsConfig(r.text)) {
      switch (l.kind) {
        case 'include': {
          const target = l.name.startsWith('/') || l.name.startsWith('$') || l.name.startsWith('~') ? expand(file, l.line, l.name) : expand(file, l.line, `${dirOf(file)}/${l.name}`);
          for (const t of target) visit(t, { file, line: l.line });
          break;
        }
        case 'path':
          for (const p of expand(file, l.line, l.pattern)) if (!paths.includes(p)) paths.push(p);
          break;
        case 'exclude':
          for (const p of expand(file, l.line, l.pattern)) if (!exclude.includes(p)) exclude.push(p);
          break;
      }
    }
    open.pop();
  };

  for (const s of sources) visit(s);
  if (files.length === 0) {
    throw new UsageError(`no IDS configuration: none of ${sources.join(', ')} exists (see docs/ids.md)`);
  }
  return { files, paths, exclude };
}
