/**
 * --ls, --get and --put: the host half. The sandbox half (transfer-op.ts) runs inside, as the sandbox's
 * owner; this side opens the host's files as the caller and hands them over as its stdin or stdout.
 * Relative paths are taken from the caller's working directory, as Firejail takes them.
 */
import { closeSync, constants, fstatSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { spawnTransfer } from './join-exec.ts';
import type { Sandbox } from './scan.ts';

function absolute(path: string): string {
  return path.startsWith('/') ? path : `${process.cwd()}/${path}`;
}

export function transferLs(sb: Sandbox, path: string, debug: boolean): Promise<number> {
  return spawnTransfer(sb, { kind: 'ls', path: absolute(path) }, 'inherit', 'inherit', '--ls', debug);
}

/** --cat: a sandbox file, as the sandbox sees it, to stdout. */
export function transferCat(sb: Sandbox, path: string, debug: boolean): Promise<number> {
  return spawnTransfer(sb, { kind: 'get', path: absolute(path), option: '--cat' }, 'inherit', 'inherit', '--cat', debug);
}

/** Copies a sandbox file into the working directory under its own name; nothing is left on failure. */
export async function transferGet(sb: Sandbox, path: string, debug: boolean): Promise<number> {
  const name = path.replace(/\/+$/, '').slice(path.replace(/\/+$/, '').lastIndexOf('/') + 1);
  if (name === '' || name === '.' || name === '..') throw new UsageError(`--get: '${path}' does not name a file`);
  const dest = `${process.cwd()}/${name}`;
  const tmp = `${process.cwd()}/.${name}.kiln-get-${process.pid}`;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o666); // 'x': never through a link planted under that name
  } catch (e) {
    throw new UsageError(`--get: cannot write into the working directory: ${e instanceof Error ? e.message : String(e)}`, 1, { cause: e });
  }
  let code = 1;
  try {
    code = await spawnTransfer(sb, { kind: 'get', path: absolute(path) }, 'inherit', fd, '--get', debug);
  } finally {
    closeSync(fd);
    if (code === 0) renameSync(tmp, dest);
    else unlinkSync(tmp);
  }
  return code;
}

export async function transferPut(sb: Sandbox, src: string, dest: string, debug: boolean): Promise<number> {
  let fd: number;
  try {
    fd = openSync(src, constants.O_RDONLY | constants.O_NONBLOCK); // a FIFO must not hang us
  } catch (e) {
    throw new UsageError(`--put: cannot read ${src}: ${e instanceof Error ? e.message : String(e)}`, 1, { cause: e });
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UsageError(`--put: ${src} is not a regular file`);
    return await spawnTransfer(sb, { kind: 'put', path: absolute(dest) }, fd, 'inherit', '--put', debug);
  } finally {
    closeSync(fd);
  }
}
