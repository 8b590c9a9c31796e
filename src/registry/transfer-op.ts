/**
 * The half of --ls, --get and --put that runs inside the sandbox, as its owner, after the init stage has
 * entered its namespaces and dropped to its capabilities. Paths arrive absolute; they are resolved in the
 * sandbox's own tree, so its links cannot lead outside it.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync, lstatSync, writeSync, type Stats } from 'node:fs';
import type { TransferOp } from '../launch/init-config.ts';
import { assertNever } from '../errors.ts';
import { readText, writeAll } from '../sys/fs.ts';

class TransferError extends Error {}

/** Runs the transfer; returns the exit status. */
export function runTransferOp(op: TransferOp): number {
  try {
    switch (op.kind) {
      case 'ls':
        list(op.path);
        break;
      case 'get':
        copy(openRegular(op.path, constants.O_RDONLY | constants.O_NONBLOCK), 1);
        break;
      case 'put':
        // O_NOFOLLOW: a link planted at the destination is refused rather than written through.
        copy(0, openRegular(op.path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600));
        break;
      default:
        assertNever(op);
    }
    return 0;
  } catch (e) {
    const why = e instanceof TransferError ? e.message : `${op.path}: ${describeError(e)}`;
    writeAll(2, `kiln: ${op.kind === 'get' ? (op.option ?? '--get') : `--${op.kind}`}: ${why}\n`);
    return 1;
  }
}

/** Node's "ENOENT: no such file or directory, open '/x'" as "no such file or directory (ENOENT)". */
function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const m = /^([A-Z0-9]+): ([^,]+)/.exec(e.message);
  return m === null ? e.message : `${m[2]} (${m[1]})`;
}

function openRegular(path: string, flags: number, mode?: number): number {
  const fd = openSync(path, flags, mode);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new TransferError(`${path} is not a regular file`);
  }
  return fd;
}

function copy(from: number, to: number): void {
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    const n = readSync(from, buf);
    if (n === 0) return;
    let off = 0;
    while (off < n) off += writeSync(to, buf, off, n - off);
  }
}

/** Firejail's --ls layout: `drwxr-xr-x user     group           4096 name`, links followed. */
function list(path: string): void {
  const names = idNames();
  const line = (st: Stats, name: string) =>
    `${modeString(st)} ${(names.users.get(st.uid) ?? String(st.uid)).padEnd(8)} ${(names.groups.get(st.gid) ?? String(st.gid)).padEnd(8)}${String(st.size).padStart(12)} ${name}\n`;
  const st = statSync(path);
  if (!st.isDirectory()) {
    writeAll(1, line(st, path.slice(path.lastIndexOf('/') + 1)));
    return;
  }
  // Byte order, as Firejail's alphasort in the C locale; `.` and `..` included.
  const entries = ['.', '..', ...readdirSync(path)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  for (const name of entries) {
    const full = `${path.replace(/\/$/, '')}/${name}`;
    let s: Stats;
    try {
      s = statSync(full);
    } catch {
      s = lstatSync(full); // a dangling link: show the link itself
    }
    out.push(line(s, name));
  }
  writeAll(1, out.join(''));
}

const TYPE_CHAR: ReadonlyArray<[(s: Stats) => boolean, string]> = [
  [(s) => s.isDirectory(), 'd'],
  [(s) => s.isSymbolicLink(), 'l'],
  [(s) => s.isCharacterDevice(), 'c'],
  [(s) => s.isBlockDevice(), 'b'],
  [(s) => s.isFIFO(), 'p'],
  [(s) => s.isSocket(), 's'],
];

function modeString(st: Stats): string {
  const m = st.mode;
  const bit = (mask: number, c: string) => ((m & mask) !== 0 ? c : '-');
  const special = (exec: number, flag: number, set: string, unset: string) =>
    (m & flag) !== 0 ? ((m & exec) !== 0 ? set : unset) : bit(exec, 'x');
  return [
    TYPE_CHAR.find(([test]) => test(st))?.[1] ?? '-',
    bit(0o400, 'r'), bit(0o200, 'w'), special(0o100, 0o4000, 's', 'S'),
    bit(0o040, 'r'), bit(0o020, 'w'), special(0o010, 0o2000, 's', 'S'),
    bit(0o004, 'r'), bit(0o002, 'w'), special(0o001, 0o1000, 't', 'T'),
  ].join('');
}

/** User and group names as the sandbox's own /etc/passwd and /etc/group give them. */
function idNames(): { users: Map<number, string>; groups: Map<number, string> } {
  const table = (file: string) => {
    const map = new Map<number, string>();
    for (const line of (readText(file) ?? '').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && f[0] !== undefined && !map.has(Number(f[2]))) map.set(Number(f[2]), f[0]);
    }
    return map;
  };
  return { users: table('/etc/passwd'), groups: table('/etc/group') };
}
