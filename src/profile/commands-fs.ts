/** Filesystem commands: paths (blacklist, whitelist, read-only, …), private-* lists, bind, private. */
import type { ArgSpec, ArgTable, BodyOf, ParseContext } from './argspec.ts';
import { quote } from './diagnostics.ts';
import type { ListCommand, PathCommand } from './directive.ts';
import { expandPath } from './macros.ts';
import { hasGlob } from './paths.ts';
import { ArgumentError, splitList } from './values.ts';

type FsCommand = PathCommand | ListCommand | 'bind' | 'private' | 'private-cwd' | 'hosts-file';

/** Expands one path argument to exactly one path (no `${PATH}`, no wildcard, no unresolved macro). */
export function singlePath(arg: string, ctx: ParseContext): string {
  const e = expandPath(arg, ctx.env);
  switch (e.kind) {
    case 'error':
      throw new ArgumentError(`${e.message} (in ${quote(arg)})`);
    case 'unresolved':
      throw new ArgumentError(`${e.macro} does not name an existing directory here`);
    case 'paths': {
      const [only, ...more] = e.paths;
      if (only === undefined || more.length > 0) throw new ArgumentError(`${quote(arg)} must name a single path`);
      if (hasGlob(only)) throw new ArgumentError(`wildcards are not expanded here (in ${quote(arg)})`);
      return only;
    }
  }
}

/** Where `mkdir` and `mkfile` may create things, as in Firejail: home, /tmp, the user's runtime dir. */
function checkCreatable(path: string, ctx: ParseContext): void {
  const roots = [ctx.env.home, '/tmp', ctx.env.runUser];
  if (!roots.some((r) => path.startsWith(`${r}/`))) {
    throw new ArgumentError(`${quote(path)} is outside the home directory, /tmp and \${RUNUSER}`);
  }
}

function pathCommand<K extends PathCommand>(kind: K, globs: boolean): ArgSpec<K> {
  return {
    arg: 'required',
    parse: (arg, ctx): BodyOf<K> => {
      const e = expandPath(arg, ctx.env);
      switch (e.kind) {
        case 'error':
          throw new ArgumentError(`${e.message} (in ${quote(arg)})`);
        case 'unresolved':
          return { kind, written: arg, paths: [], unresolved: e.macro } as BodyOf<K>;
        case 'paths':
          if (!globs && e.paths.some(hasGlob)) throw new ArgumentError(`wildcards are not expanded here (in ${quote(arg)})`);
          if (kind === 'mkdir' || kind === 'mkfile') for (const p of e.paths) checkCreatable(p, ctx);
          return { kind, written: arg, paths: e.paths } as BodyOf<K>;
      }
    },
  };
}

/**
 * A private-* list. Items are names relative to a directory; `..` never is one. private-etc, -opt and
 * -srv take top-level names only (firejail-profile(5)); private-home and private-lib may name deeper
 * paths. A blank inside an item is almost always a missing comma: it is kept, with a warning.
 */
function listCommand<K extends ListCommand>(kind: K, shape: 'top-level' | 'relative' | 'lib', optional: boolean): ArgSpec<K> {
  const parse = (arg: string | undefined, ctx: ParseContext): BodyOf<K> => {
    if (arg === undefined) return { kind, items: [] } as BodyOf<K>;
    const items = splitList(arg, kind).map((raw) => {
      let item = raw;
      if (kind === 'private-home') item = item.replace(/^(~|\$\{HOME\})\//, '');
      if (item.split('/').includes('..')) throw new ArgumentError(`'..' is not allowed in ${quote(item)}`);
      if (shape === 'top-level' && item.includes('/')) {
        throw new ArgumentError(`${quote(item)} must be a name directly inside the directory, without '/'`);
      }
      if (shape === 'relative' && item.startsWith('/')) throw new ArgumentError(`${quote(item)} must be relative`);
      if (/\s/.test(item)) ctx.warn(`${kind}: the item ${quote(item)} contains a blank; is a comma missing?`);
      return item;
    });
    return { kind, items } as BodyOf<K>;
  };
  return optional ? { arg: 'optional', parse } : { arg: 'required', parse: (arg, ctx) => parse(arg, ctx) };
}

export const FS_COMMANDS: ArgTable<FsCommand> = {
  blacklist: pathCommand('blacklist', true),
  'blacklist-nolog': pathCommand('blacklist-nolog', true),
  noblacklist: pathCommand('noblacklist', true),
  whitelist: pathCommand('whitelist', true),
  'whitelist-ro': pathCommand('whitelist-ro', true),
  nowhitelist: pathCommand('nowhitelist', true),
  'read-only': pathCommand('read-only', true),
  'read-write': pathCommand('read-write', true),
  noexec: pathCommand('noexec', true),
  tmpfs: pathCommand('tmpfs', true),
  mkdir: pathCommand('mkdir', false),
  mkfile: pathCommand('mkfile', false),
  'private-bin': listCommand('private-bin', 'top-level', false),
  'private-etc': listCommand('private-etc', 'top-level', false),
  'private-opt': listCommand('private-opt', 'top-level', false),
  'private-srv': listCommand('private-srv', 'top-level', false),
  'private-home': listCommand('private-home', 'relative', false),
  'private-lib': listCommand('private-lib', 'lib', true),
  bind: {
    arg: 'required',
    parse: (arg, ctx) => {
      const parts = arg.split(',');
      if (parts.length !== 2) throw new ArgumentError(`expected SOURCE,DESTINATION (got ${quote(arg)})`);
      return { kind: 'bind', src: singlePath(parts[0] ?? '', ctx), dest: singlePath(parts[1] ?? '', ctx) };
    },
  },
  private: {
    arg: 'optional',
    parse: (arg, ctx) => (arg === undefined ? { kind: 'private' } : { kind: 'private', dir: singlePath(arg, ctx) }),
  },
  'private-cwd': {
    arg: 'optional',
    parse: (arg, ctx) => (arg === undefined ? { kind: 'private-cwd' } : { kind: 'private-cwd', dir: singlePath(arg, ctx) }),
  },
  'hosts-file': { arg: 'required', parse: (arg, ctx) => ({ kind: 'hosts-file', path: singlePath(arg, ctx) }) },
};
