/**
 * private-bin: every binaries directory becomes a tmpfs holding only the listed programs, plus what they
 * need to start: the interpreter named on a script's `#!` line (and, for `#!/usr/bin/env prog`, prog).
 * As in Firejail, each listed program appears in every binaries directory.
 */
import { type FsContext } from './fs-context.ts';

/** The binaries directories private-bin replaces. */
export const BIN_DIRS: readonly string[] = ['/usr/local/bin', '/usr/local/sbin', '/usr/bin', '/usr/sbin', '/usr/games', '/bin', '/sbin'];

function findProgram(ctx: FsContext, dirs: readonly string[], name: string): string | undefined {
  for (const d of dirs) {
    const p = `${d}/${name}`;
    const info = ctx.fs.lstat(p);
    if (info !== undefined && info.type !== 'dir') return ctx.fs.realpath(p);
  }
  return undefined;
}

/** The interpreter line of a script: `#!/usr/bin/python3 -u` → ['/usr/bin/python3', '-u']. */
export function parseShebang(head: Uint8Array): string[] | undefined {
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const end = head.indexOf(0x0a);
  const line = new TextDecoder().decode(head.subarray(2, end < 0 ? head.length : end)).trim();
  const parts = line.split(/\s+/).filter((x) => x !== '');
  return parts.length === 0 ? undefined : parts;
}

export function planPrivateBin(ctx: FsContext): void {
  const list = ctx.policy.privateBin;
  if (list === undefined) return;
  const dirs = [...new Set(BIN_DIRS.map((d) => ctx.fs.realpath(d)).filter((d): d is string => d !== undefined))];
  const programs = new Map<string, string>(); // name in the sandbox → host file
  const queue = [...list.map((n) => n.slice(n.lastIndexOf('/') + 1))];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (name === '' || programs.has(name)) continue;
    const real = findProgram(ctx, dirs, name);
    if (real === undefined) {
      ctx.missing.push(`private-bin: ${name}`);
      continue;
    }
    programs.set(name, real);
    const interp = parseShebang(ctx.fs.read(real, 256) ?? new Uint8Array());
    if (interp === undefined) continue;
    const [path, arg] = interp as [string, ...string[]];
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (dirs.some((d) => path.startsWith(`${d}/`) || (ctx.fs.realpath(path) ?? '').startsWith(`${d}/`))) queue.push(base);
    if (base === 'env' && arg !== undefined && !arg.startsWith('-')) queue.push(arg);
  }
  for (const d of dirs) {
    ctx.tree.mount(d, { kind: 'tmpfs', perms: 0o755 });
    for (const [name, real] of programs) ctx.tree.mount(`${d}/${name}`, { kind: 'host', src: real }, { ro: true });
    ctx.tree.setFlag(d, 'ro');
  }
}
