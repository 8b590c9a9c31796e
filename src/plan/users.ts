/**
 * The user database an unprivileged sandbox sees. As Firejail does without `allusers`, the sandbox's
 * /etc/passwd and /etc/group name no other regular user: their homes are hidden, so their names need not
 * show either. System accounts (below UID_MIN of login.defs), the caller and nobody/nogroup stay. Other
 * users also disappear from group member lists.
 *
 * NOTE: Firejail also drops every group at or above GID_MIN except the caller's primary one, even groups
 * the caller belongs to. kiln keeps the caller's groups, so that `id` and `ls -l` still name them; they
 * disclose nothing the caller does not already know.
 */
import type { FsContext } from './fs-context.ts';
import { addBlob } from './fs-context.ts';

const NOBODY = 65534;
const LIMIT = 4 * 1024 * 1024;

export interface Caller {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

/** UID_MIN and GID_MIN from login.defs text; 1000 when it does not say. */
export function loginDefsMinimums(text: string | undefined): { uidMin: number; gidMin: number } {
  const value = (key: string) => {
    const m = new RegExp(`^\\s*${key}\\s+(\\d+)\\s*$`, 'm').exec(text ?? '');
    const n = m?.[1] === undefined ? NaN : Number(m[1]);
    return Number.isSafeInteger(n) ? n : 1000;
  };
  return { uidMin: value('UID_MIN'), gidMin: value('GID_MIN') };
}

function keepsId(id: number, min: number, own: number): boolean {
  return id < min || id === own || id === NOBODY;
}

/** /etc/passwd without the other regular users. Lines kiln cannot parse are kept as they are. */
export function restrictPasswd(text: string, caller: Caller, uidMin: number): string {
  return filterLines(text, (f) => {
    const uid = Number(f[2]);
    return f.length < 7 || !Number.isInteger(uid) || keepsId(uid, uidMin, caller.uid);
  });
}

/**
 * /etc/group without the other regular users' groups, and without other regular users in member lists.
 * `others` are the names of the users restrictPasswd removed.
 */
export function restrictGroup(text: string, caller: Caller, gidMin: number, others: ReadonlySet<string>): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const gid = Number(f[2]);
    if (f.length < 4 || !Number.isInteger(gid)) {
      out.push(line);
      continue;
    }
    const members = (f[3] ?? '').split(',').filter((m) => m !== '');
    const mine = members.includes(caller.name);
    if (!keepsId(gid, gidMin, caller.gid) && !mine) continue;
    f[3] = members.filter((m) => !others.has(m)).join(',');
    out.push(f.join(':'));
  }
  return out.join('\n');
}

function filterLines(text: string, keep: (fields: string[]) => boolean): string {
  return text
    .split('\n')
    .filter((line) => line.trim() === '' || line.startsWith('#') || keep(line.split(':')))
    .join('\n');
}

/** The names of the regular users other than the caller, from passwd text. */
export function otherUsers(text: string, caller: Caller, uidMin: number): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const uid = Number(f[2]);
    if (f.length >= 7 && Number.isInteger(uid) && !keepsId(uid, uidMin, caller.uid) && f[0] !== caller.name) names.add(f[0] ?? '');
  }
  return names;
}

/**
 * Binds the restricted databases over the host's, where the sandbox would otherwise show the host's
 * files (not under private-etc without them, not blacklisted). Root and `allusers` see them whole.
 */
export function planUserDatabase(ctx: FsContext): void {
  const { policy, facts, fs, tree } = ctx;
  if (facts.isRoot || policy.allusers) return;
  const decode = (path: string) => {
    const bytes = fs.read(path, LIMIT);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  };
  const passwdPath = fs.realpath('/etc/passwd');
  const passwd = passwdPath === undefined ? undefined : decode(passwdPath);
  if (passwdPath === undefined || passwd === undefined) return;
  const caller: Caller = { uid: facts.uid, gid: facts.gid, name: facts.user };
  const { uidMin, gidMin } = loginDefsMinimums(decode('/etc/login.defs'));
  const encoder = new TextEncoder();
  const bind = (path: string, text: string, original: string) => {
    if (text === original || !tree.showsHost(path)) return;
    tree.mount(path, { kind: 'data', blob: addBlob(ctx, encoder.encode(text)), perms: 0o644 }, { ro: true });
  };
  bind(passwdPath, restrictPasswd(passwd, caller, uidMin), passwd);
  const groupPath = fs.realpath('/etc/group');
  const group = groupPath === undefined ? undefined : decode(groupPath);
  if (groupPath !== undefined && group !== undefined) {
    bind(groupPath, restrictGroup(group, caller, gidMin, otherUsers(passwd, caller, uidMin)), group);
  }
}
